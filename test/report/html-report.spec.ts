// The HTML report, opened from disk in a real headless browser (Debian's chromium) and driven
// with real clicks and keys: the matrix's shape, the filters, the detail panel with its ladder
// diagram (geometry from the DOM, colour from the painted pixels, a screenshot baseline), the
// keyboard, escaping of recorded text, that the page fetches nothing but itself, and that a run
// the size of a real one stays a file a browser opens at once.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { renderHtmlReport, writeHtmlReport, type HtmlReportInput } from '../../harness/report/html-report.ts';
import { detailTable } from '../../harness/report/html/detail-data.ts';
import { evidenceLinks } from '../../harness/report/html/evidence-links.ts';
import { ladderTable } from '../../harness/report/html/ladder-data.ts';
import { makeCell } from '../support/make-cell.ts';
import { ADVICE, htmlReportFixture, INJECTED_CAUSE, INJECTED_REPLY, NAT_ID, VIOLATION_ID } from '../support/html-report-fixture.ts';
import { LARGE_LONG_ID, LARGE_VIOLATION_ID, largeReportFixture } from '../support/large-report-fixture.ts';
import { countRedPixels, type Rect } from '../support/png-pixels.ts';

// Playwright's browser download needs a CDN that CI hosts may not reach; Debian's mirror they
// do, so `npm test` installs Debian's chromium (ensure-host.sh --for-tests) and this drives it.
const CHROMIUM = process.env.PINHOLE_CHROMIUM ?? '/usr/bin/chromium';
// File level: Playwright refuses launch options per describe (they need a worker of their own).
base.use({ launchOptions: { executablePath: CHROMIUM } });

// The page's ladder reader (ladder-draw.js), a global of the page's own scripts.
declare const pinholeLadder: { read(table: unknown, id: string): unknown };

interface OpenReport {
  page: Page;
  panel: Locator;
  count: Locator;
  /** The report as written to disk. */
  file: string;
}

const test = base.extend<{ reportInput: HtmlReportInput; report: OpenReport }>({
  // A function, so a describe can swap in another run with test.use.
  reportInput: async ({}, use) => use(htmlReportFixture()),
  report: async ({ page, reportInput }, use, testInfo) => {
    const file = testInfo.outputPath('report.html');
    writeHtmlReport(file, reportInput);
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
    await use({ page, panel: page.getByRole('complementary', { name: 'Cell detail' }), count: page.locator('output.count'), file });
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

  test('drawn as the terminal draws it: rule sets down, modes and commands across, every cell a word and a mark', async ({ report: { page } }) => {
    await expect(page.locator('.summary')).toHaveText('9 cells on the netns driver: ✓ 6 compliant ✗ 1 violation ? 1 inconclusive – 1 skipped');
    const routed = page.getByRole('region', { name: 'ftp-stateful on routed' });
    await expect(routed.getByRole('columnheader')).toHaveText(['rule set', 'PORT RETR', 'PORT STOR', 'PASV STOR', 'EPSV RETR over IPv6']);
    // Rows in the report's order (the JSON report sorts cells), as the terminal prints them.
    await expect(routed.getByRole('rowheader')).toHaveText(['nft-helper', 'nft-helper curl', 'no-helper', 'no-helper curl']);
    await expect(routed.getByRole('row')).toHaveText([
      'rule set PORT RETR PORT STOR PASV STOR EPSV RETR over IPv6',
      'nft-helper pass ✓ pass ✓ · not run pass ✓',
      'nft-helper curl · not run · not run skipped – · not run',
      'no-helper blocked ✗ blocked ✓ · not run pass ✓',
      'no-helper curl · not run · not run error ? · not run',
    ], { useInnerText: true });
    // The accessible name says it all in words, for screen readers and for this test.
    await expect(routed.getByRole('button', { name: 'no-helper, PORT RETR: blocked, expected pass: violation' })).toHaveClass(/v-violation/);
    await expect(page.getByRole('region', { name: 'ftp-nat on nat' }).getByRole('columnheader')).toHaveText(['rule set', 'PASV RETR']);
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
    await expect(routed.getByRole('rowheader')).toHaveText(['no-helper']);
    await expect(routed.getByRole('columnheader')).toHaveText(['rule set', 'PORT RETR']);
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
    // A server reply holding markup is drawn as its characters: cut short on its arrow, whole in
    // the tooltip and the list, and no element made of it.
    const reply = svg.locator('g.packet').nth(1);
    await expect(reply.locator('text.label')).toHaveText(`${INJECTED_REPLY.slice(0, 43)}…`);
    await expect(reply.locator('title')).toContainText(INJECTED_REPLY);
    await expect(panel.locator('.packet-list li').nth(1)).toContainText(`${INJECTED_REPLY}, server → client`);
    await expect(page.locator('img')).toHaveCount(0);
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
    // The ladders, read back the way the page reads them, are the ones the report was given.
    const ladders = await page.evaluate((text) => {
      const table = JSON.parse(text) as { ladders: object };
      return Object.fromEntries(Object.keys(table.ladders).map((id) => [id, pinholeLadder.read(table, id)]));
    }, (await page.locator('script#pinhole-ladders').textContent()) ?? '');
    expect(ladders).toEqual(htmlReportFixture().ladders);

    // Evidence kept without a file list links its directory.
    await page.getByRole('button', { name: /^no-helper, PORT STOR:/ }).click();
    await expect(panel.getByRole('region', { name: 'Evidence' }).getByRole('link')).toHaveText('evidence directory');
    await expect(panel.getByRole('link', { name: 'evidence directory' })).toHaveAttribute('href', 'evidence/ftp-stateful/routed/no-helper/PORT-STOR');
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

  test.describe('a run the size of a real one', () => {
    test.use({ reportInput: async ({}, use) => use(largeReportFixture()) });

    test('768 cells with realistic ladders stay under 3 MB; a cell drawn only when opened, and then whole', async ({
      report: { page, panel, file },
      reportInput,
    }) => {
      // Pre-rendered into the page, the ladders alone made a real 738-cell run 17 MB.
      expect(statSync(file).size).toBeLessThan(3 * 1024 * 1024);
      await expect(page.locator('button.cell')).toHaveCount(768);
      await expect(page.locator('svg, template')).toHaveCount(0);

      await page.getByRole('region', { name: 'ftp-nat on nat' }).getByRole('button', { name: /^related-no-helper, PORT RETR:/ }).click();
      await expect(panel.locator('.cell-id')).toHaveText(LARGE_VIOLATION_ID);
      await expect(panel.locator('.cause-code')).toHaveText('no-helper');
      const ladder = reportInput.ladders[LARGE_VIOLATION_ID];
      if (ladder === undefined) throw new Error(`the fixture has no ladder for ${LARGE_VIOLATION_ID}`);
      const svg = panel.locator('svg.ladder');
      await expect(svg.locator('g.packet')).toHaveCount(ladder.packets.length);
      await expect(svg.locator('.nat-note')).toHaveCount(ladder.packets.filter((p) => p.rewritten !== undefined).length);
      // The data SYN and its two retries, each ending on the firewall lane.
      const fwX = (await svg.locator('line.lane[data-lane="firewall"]').getAttribute('x1')) ?? 'missing';
      const died = svg.locator('g.packet[data-fate="died"] line.arrow');
      await expect(died).toHaveCount(3);
      for (const arrow of await died.all()) await expect(arrow).toHaveAttribute('x2', fwX);
      await expect(panel.locator('.packet-list li')).toHaveCount(ladder.packets.length);

      // A long session keeps its beginning and its end, and says how much it left out between.
      await page.getByRole('region', { name: 'ftp-stateful on routed' }).getByRole('button', { name: /^nft-helper, PORT RETR:/ }).click();
      await expect(panel.locator('.cell-id')).toHaveText(LARGE_LONG_ID);
      const long = reportInput.ladders[LARGE_LONG_ID];
      await expect(svg.locator('g.packet')).toHaveCount(60);
      await expect(svg.locator('text').last()).toHaveText(`${long?.omitted} further entries left out of the middle`);
      await expect(panel.locator('.packet-list p').last()).toHaveText(`${long?.omitted} further entries left out of the middle.`);
    });
  });
});

test('the file holds everything: no remote reference, the injected cause only escaped', () => {
  const html = renderHtmlReport(htmlReportFixture());
  expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?[a-z]*:?\/\//i);
  const style = /<style>([^]*?)<\/style>/.exec(html)?.[1] ?? 'no style';
  expect(style).not.toMatch(/@import|url\(|@font-face/i);
  expect(html).not.toContain('<b>');
  expect(html).not.toContain('<img');
  // Three data blocks and three page scripts: neither the cause's nor the reply's </script>
  // ended one early or opened another.
  expect(html.match(/<script\b[^>]*>/gi)).toEqual([
    '<script type="application/json" id="pinhole-report">',
    '<script type="application/json" id="pinhole-details">',
    '<script type="application/json" id="pinhole-ladders">',
    '<script>',
    '<script>',
    '<script>',
  ]);
  expect(html.match(/<\/script/gi)).toHaveLength(6);
  const escaped = (text: string) => JSON.stringify(text).slice(1, -1).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  expect(html).toContain(escaped(INJECTED_CAUSE));
  expect(html).toContain(escaped(INJECTED_REPLY));
  // Nothing to pre-render per cell any more: the panels are drawn from the data.
  expect(html).not.toMatch(/<template|<svg/);
  expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+' 'sha256-[^']+' 'sha256-[^']+';/);
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
  const evidence = (href: string) => detailTable([cell], () => ({ href, files: ['a.pcap'] })).cells[0]?.evidence;
  expect(evidence('javascript:alert(1)')).toBeNull();
  expect(evidence('JavaScript:alert(1)')).toBeNull();
  expect(evidence('../evidence/x')).toEqual({ href: '../evidence/x', files: ['a.pcap'] });
});

test('the ladder table: every string once, packets as rows in column order, only this run\'s cells', () => {
  const { report, ladders } = htmlReportFixture();
  const table = ladderTable(report.results, { ...ladders, 'ftp-other/x/y/PORT-RETR': ladders[NAT_ID]! });
  expect(Object.keys(table.ladders).sort()).toEqual([NAT_ID, VIOLATION_ID].sort());
  expect(new Set(table.strings).size).toBe(table.strings.length);
  const row = table.ladders[VIOLATION_ID]?.packets[6] ?? [];
  expect(row.map((value, i) => (table.columns[i] === 't' ? value : table.strings[value]))).toEqual([
    6.8, 'data 1', 'server', 'client', 'SYN', '10.0.2.10:20', '10.0.1.10:40000', 'died',
  ]);
  // A cell id is run data: even `__proto__` stays an own key and leaves the prototype alone.
  const odd = { ...makeCell({ ruleset: 'r' }, 'pass', 'pass'), id: '__proto__' };
  const oddTable = ladderTable([odd], JSON.parse(`{"__proto__": ${JSON.stringify(ladders[NAT_ID])}}`) as typeof ladders);
  expect(Object.hasOwn(oddTable.ladders, '__proto__')).toBe(true);
  expect(Object.getPrototypeOf(oddTable.ladders)).toBe(Object.prototype);
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
