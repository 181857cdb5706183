// The HTML report, opened from disk in a real headless browser (Debian's chromium) and driven
// with real clicks and keys: the matrix's shape, the filters, the detail panel with its ladder
// diagram (geometry from the DOM, colour from the painted pixels, a screenshot baseline), the
// keyboard, escaping of recorded text, and that the page fetches nothing but itself.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { renderHtmlReport, writeHtmlReport } from '../harness/report/html-report.ts';
import { evidenceLinks } from '../harness/report/html/evidence-links.ts';
import { makeCell } from './support/make-cell.ts';
import { ADVICE, htmlReportFixture, INJECTED_CAUSE, NAT_ID, VIOLATION_ID } from './support/html-report-fixture.ts';
import { countRedPixels, type Rect } from './support/png-pixels.ts';

// Playwright's browser download needs a CDN that CI hosts may not reach; Debian's mirror they
// do, so `npm test` installs Debian's chromium (ensure-host.sh --for-tests) and this drives it.
const CHROMIUM = process.env.PINHOLE_CHROMIUM ?? '/usr/bin/chromium';
// File level: Playwright refuses launch options per describe (they need a worker of their own).
base.use({ launchOptions: { executablePath: CHROMIUM } });

interface OpenReport {
  page: Page;
  panel: Locator;
  count: Locator;
}

const test = base.extend<{ report: OpenReport }>({
  report: async ({ page }, use, testInfo) => {
    const file = testInfo.outputPath('report.html');
    writeHtmlReport(file, htmlReportFixture());
    const url = pathToFileURL(file).href;
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (err) => errors.push(err.message));
    // A Content-Security-Policy violation (a style or script the hash does not cover) shows here.
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url);
    await use({ page, panel: page.getByRole('complementary', { name: 'Cell detail' }), count: page.locator('output.count') });
    // Whatever the test clicked, the page asked for nothing but its own file (once per load).
    expect([...new Set(requests)]).toEqual([url]);
    expect(errors).toEqual([]);
  },
});

test.describe('in headless chromium', () => {
  test.skip(!existsSync(CHROMIUM) && !process.env.CI, `missing ${CHROMIUM}: npm test installs it, or apt-get install -y chromium`);
  test.use({
    viewport: { width: 1280, height: 1100 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
  });

  test('rule sets are the columns, scenarios the rows, every cell a word and a mark', async ({ report: { page } }) => {
    await expect(page.locator('.summary')).toHaveText('9 cells on the netns driver: ✓ 6 compliant ✗ 1 violation ? 1 inconclusive – 1 skipped');
    const routed = page.getByRole('region', { name: 'ftp-stateful on routed' });
    await expect(routed.getByRole('columnheader')).toHaveText(['scenario', 'nft-helper', 'no-helper']);
    await expect(routed.getByRole('rowheader')).toHaveText(['PORT RETR', 'PORT STOR', 'PASV STOR curl', 'EPSV RETR over IPv6']);
    await expect(routed.getByRole('row')).toHaveText([
      'scenario nft-helper no-helper',
      'PORT RETR pass ✓ blocked ✗',
      'PORT STOR pass ✓ blocked ✓',
      'PASV STOR curl skipped – error ?',
      'EPSV RETR over IPv6 pass ✓ pass ✓',
    ], { useInnerText: true });
    // The accessible name says it all in words, for screen readers and for this test.
    await expect(routed.getByRole('button', { name: 'no-helper, PORT RETR: blocked, expected pass: violation' })).toHaveClass(/v-violation/);
    await expect(page.getByRole('region', { name: 'ftp-nat on nat' }).getByRole('columnheader')).toHaveText(['scenario', 'masquerade']);
  });

  test('a verdict filter hides compliant cells and the count follows; suite and text filters too', async ({ report: { page, count } }) => {
    const routed = page.getByRole('region', { name: 'ftp-stateful on routed' });
    await expect(count).toHaveText('Showing 9 of 9 cells');
    await expect(page.locator('button.cell.v-compliant')).toHaveCount(6);

    await page.getByRole('group', { name: 'Verdict' }).getByRole('radio', { name: 'violation' }).click();
    await expect(count).toHaveText('Showing 1 of 9 cells');
    await expect(page.locator('button.cell.v-compliant:visible')).toHaveCount(0);
    await expect(page.locator('button.cell:visible')).toHaveText(['blocked ✗']);
    // Rows, columns and groups left empty go too.
    await expect(routed.getByRole('rowheader')).toHaveText(['PORT RETR']);
    await expect(routed.getByRole('columnheader')).toHaveText(['scenario', 'no-helper']);
    await expect(page.getByRole('region', { name: 'ftp-nat on nat' })).toBeHidden();

    await page.getByRole('group', { name: 'Verdict' }).getByRole('radio', { name: 'all' }).click();
    await page.getByRole('group', { name: 'Suite' }).getByRole('radio', { name: 'ftp-nat' }).click();
    await expect(count).toHaveText('Showing 1 of 9 cells');
    await expect(routed).toBeHidden();

    await page.getByRole('group', { name: 'Suite' }).getByRole('radio', { name: 'all' }).click();
    await page.getByRole('group', { name: 'Observed' }).getByRole('radio', { name: 'nothing' }).click();
    await expect(page.locator('button.cell:visible')).toHaveText(['skipped –']);

    await page.getByRole('group', { name: 'Observed' }).getByRole('radio', { name: 'all' }).click();
    await page.getByRole('group', { name: 'Mode' }).getByRole('radio', { name: 'EPSV' }).click();
    await expect(count).toHaveText('Showing 2 of 9 cells');

    await page.getByRole('group', { name: 'Mode' }).getByRole('radio', { name: 'all' }).click();
    await page.getByRole('searchbox').click();
    await page.keyboard.type('</script>');
    await expect(count).toHaveText('Showing 1 of 9 cells');
    await expect(page.locator('button.cell:visible')).toHaveText(['error ?']);
    await page.getByRole('searchbox').fill('no such cell');
    await expect(page.getByText('No cell matches these filters.')).toBeVisible();
  });

  test('clicking a cell opens its detail: cause, advice, evidence, and a ladder whose dropped SYN stops at the firewall', async ({
    report: { page, panel },
  }) => {
    await expect(panel).toBeHidden();
    await page.getByRole('button', { name: /^no-helper, PORT RETR:/ }).click();
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('heading', { level: 2 })).toHaveText('no-helper · PORT RETR');
    await expect(panel.locator('.cell-id')).toHaveText(VIOLATION_ID);
    await expect(panel.locator('.facts')).toContainText('expectedpassobservedblockedverdict✗ violation');
    await expect(panel.locator('.cause-code')).toHaveText('no-helper');
    await expect(panel.locator('.cause-detail')).toHaveText('data SYN 10.0.2.10:20 -> 10.0.1.10:40000 dropped at fw by forward policy drop');

    const advice = panel.getByRole('region', { name: 'Advice' });
    await expect(advice.getByRole('heading')).toHaveText('Advice ✓ verified by re-running');
    expect(await advice.locator('pre code').textContent()).toBe(ADVICE);

    const links = await panel.getByRole('region', { name: 'Evidence' }).getByRole('link').all();
    const hrefs = await Promise.all(links.map((link) => link.getAttribute('href')));
    const dir = 'evidence/ftp-stateful/routed/no-helper/PORT-RETR';
    expect(hrefs).toEqual([`${dir}/ruleset.nft`, `${dir}/conntrack.txt`, `${dir}/capture%20%231.pcap`]);

    // Geometry: the dropped data SYN starts on the server lane and ends exactly on the firewall lane.
    const svg = panel.locator('svg.ladder');
    const firewallLane = svg.locator('line.lane[data-lane="firewall"]');
    const died = svg.locator('g.packet[data-fate="died"]');
    await expect(died).toHaveCount(1);
    await expect(died.locator('text.label')).toHaveText('SYN');
    const fwX = await firewallLane.getAttribute('x1');
    const serverX = await svg.locator('line.lane[data-lane="server"]').getAttribute('x1');
    await expect(died.locator('line.arrow')).toHaveAttribute('x2', fwX ?? 'missing');
    await expect(died.locator('line.arrow')).toHaveAttribute('x1', serverX ?? 'missing');
    await expect(svg.locator('g.packet[data-fate="crossed"]')).toHaveCount(6);
    // ...and as laid out on screen, after the SVG was scaled into the panel.
    const lane = await box(firewallLane);
    const diedLine = await box(died.locator('line.arrow'));
    expect(Math.abs(diedLine.x - (lane.x + lane.width / 2))).toBeLessThan(1.5);
    const mark = await box(died.locator('.drop-mark'));
    expect(Math.abs(mark.x + mark.width / 2 - (lane.x + lane.width / 2))).toBeLessThan(1.5);

    // Colour, without a baseline: the painted pixels around the ✗ on the firewall lane are red,
    // and the same spot on a packet that crossed is not.
    const svgBox = await box(svg);
    const png = await svg.screenshot({ animations: 'disabled' });
    const around = (r: Rect): Rect => ({ x: Math.round(r.x - svgBox.x) - 3, y: Math.round(r.y - svgBox.y) - 3, width: Math.ceil(r.width) + 6, height: Math.ceil(r.height) + 6 });
    expect(await countRedPixels(page, png, around(mark))).toBeGreaterThan(40);
    const crossed = await box(svg.locator('g.packet[data-fate="crossed"] line.arrow').first());
    expect(await countRedPixels(page, png, around({ x: mark.x, y: crossed.y - mark.height / 2, width: mark.width, height: mark.height }))).toBe(0);

    // And the panel as a whole against the committed baseline (regenerate: --update-snapshots).
    await expect(panel).toHaveScreenshot('violation-detail.png', { animations: 'disabled', caret: 'hide', maxDiffPixelRatio: 0.002 });

    // The same packets in words, with the addresses the diagram keeps in tooltips.
    await panel.getByText('The packets as a list').click();
    await expect(panel.locator('.packet-list li.fate-died')).toHaveText(
      '6.8 ms data 1: SYN, server → client (10.0.2.10:20 → 10.0.1.10:40000), died in the firewall: entered it and never left',
    );
  });

  test('Enter on a focused cell opens it, Escape closes it and gives focus back', async ({ report: { page, panel } }) => {
    const cell = page.getByRole('button', { name: /^masquerade, PASV RETR:/ });
    await cell.focus();
    await page.keyboard.press('Enter');
    await expect(panel).toBeVisible();
    await expect(panel).toBeFocused();
    await expect(panel.locator('.cell-id')).toHaveText(NAT_ID);
    await expect(cell).toHaveAttribute('aria-expanded', 'true');
    await expect(panel.getByRole('region', { name: 'Advice' }).getByRole('heading')).toHaveText('Advice ? not verified');

    // NAT and the firewall's own packets: a note at the firewall, an arrow that starts there.
    const svg = panel.locator('svg.ladder');
    await expect(svg.locator('.nat-note')).toHaveText('NAT: src 192.168.10.10:40100 -> 203.0.113.254:40100');
    const fwX = (await svg.locator('line.lane[data-lane="firewall"]').getAttribute('x1')) ?? 'missing';
    await expect(svg.locator('g.packet[data-fate="from-firewall"] line.arrow')).toHaveAttribute('x1', fwX);
    await expect(svg.locator('g.packet[data-fate="to-firewall"] line.arrow')).toHaveAttribute('x2', fwX);
    await expect(svg).toContainText('12 further data segments folded away');

    await page.keyboard.press('Escape');
    await expect(panel).toBeHidden();
    await expect(cell).toBeFocused();
    await expect(cell).toHaveAttribute('aria-expanded', 'false');

    // Tab order reaches the cells; Space works as well as Enter on a button.
    const other = page.getByRole('button', { name: /^nft-helper, PORT RETR:/ });
    await other.focus();
    await page.keyboard.press('Space');
    await expect(panel.locator('.cell-id')).toHaveText('ftp-stateful/routed/nft-helper/PORT-RETR');
    await expect(panel.getByRole('region', { name: 'Packets at the firewall' })).toContainText('No ladder diagram for this cell.');
    await panel.getByRole('button', { name: 'Close detail' }).click();
    await expect(panel).toBeHidden();
  });

  test('a cause holding </script><b> shows as text, and the embedded JSON is the report', async ({ report: { page, panel } }) => {
    await page.getByRole('button', { name: /^no-helper, PASV STOR curl:/ }).click();
    await expect(panel.locator('.cause-code')).toHaveText('server-error');
    await expect(panel.locator('.cause-detail')).toHaveText('451 </script><b>bold</b> & more');
    await expect(page.locator('b')).toHaveCount(0);
    const embedded: unknown = JSON.parse((await page.locator('script#pinhole-report').textContent()) ?? '');
    expect(embedded).toEqual(htmlReportFixture().report);
  });

  test('a link to a cell opens its panel, on load and on a fragment change', async ({ report: { page, panel } }) => {
    const url = page.url();
    await page.goto(`${url}#${encodeURIComponent(NAT_ID)}`);
    await expect(panel.locator('.cell-id')).toHaveText(NAT_ID);
    await page.reload();
    await expect(panel.locator('.cell-id')).toHaveText(NAT_ID);
    await page.getByRole('button', { name: /^no-helper, PORT RETR:/ }).click();
    expect(decodeURIComponent(new URL(page.url()).hash.slice(1))).toBe(VIOLATION_ID);
  });
});

test('the file holds everything: no remote reference, the injected cause only escaped', () => {
  const html = renderHtmlReport(htmlReportFixture());
  expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?[a-z]*:?\/\//i);
  const style = /<style>([^]*?)<\/style>/.exec(html)?.[1] ?? 'no style';
  expect(style).not.toMatch(/@import|url\(|@font-face/i);
  expect(html).not.toContain('<b>');
  // The embedded JSON and the page script: the cause's </script> opened no third one.
  expect(html.match(/<\/script/gi)).toHaveLength(2);
  expect(html).toContain(JSON.stringify(INJECTED_CAUSE).slice(1, -1).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026'));
  expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'/);
});

test('an empty run renders and says so', () => {
  const html = renderHtmlReport({ report: { version: 1, driver: 'docker', results: [] }, ladders: {}, evidenceHref: () => null });
  expect(html).toContain('No cells in this run.');
  expect(html).toContain('<strong>0 cells</strong> on the <code>docker</code> driver</p>');
});

test('a javascript: evidence href is dropped, a relative one kept', () => {
  const cell = makeCell({ ruleset: 'r' }, 'pass', 'blocked', { evidence: 'x' });
  const render = (href: string) => renderHtmlReport({ report: { version: 1, driver: 'netns', results: [cell] }, ladders: {}, evidenceHref: () => href });
  expect(render('javascript:alert(1)')).not.toContain('javascript:');
  expect(render('../evidence/x')).toContain('<a href="../evidence/x">evidence directory</a>');
});

test('evidenceLinks: hrefs relative to the HTML file, files listed from disk, a pruned directory still linked', ({}, testInfo) => {
  const root = testInfo.outputPath('run');
  const write = (path: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), 'x');
  };
  write('reports/evidence/cell 1/ruleset.nft');
  write('reports/evidence/cell 1/pcap/fw eth0.pcap');
  const kept = makeCell({ ruleset: 'a' }, 'pass', 'blocked', { evidence: 'evidence/cell 1' });
  const pruned = makeCell({ ruleset: 'b' }, 'pass', 'blocked', { evidence: 'evidence/gone' });
  const none = makeCell({ ruleset: 'c' }, 'pass', 'pass');
  const links = evidenceLinks(join(root, 'reports/results.json'), join(root, 'html/report.html'), [kept, pruned, none]);
  expect(links.evidenceHref(kept)).toBe('../reports/evidence/cell%201');
  expect(links.evidenceHref(pruned)).toBe('../reports/evidence/gone');
  expect(links.evidenceHref(none)).toBeNull();
  expect(links.evidenceFiles).toEqual({ [kept.id]: ['pcap/fw eth0.pcap', 'ruleset.nft'] });
});

async function box(locator: Locator): Promise<Rect> {
  const b = await locator.boundingBox();
  if (b === null) throw new Error(`${locator.toString()} is not laid out`);
  return b;
}
