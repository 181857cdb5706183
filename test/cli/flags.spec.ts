// Documented flags and variables of the pinhole command, each checked by what it changes, so a
// test fails if one stops working: `explore --server/--html/--evidence none` with
// PINHOLE_ADVICE=suggest and PINHOLE_ATTRIBUTION=off (one run), `diff --server/--html` with
// PINHOLE_ADVICE=off (one run, whose defaults show what the first run's flags took away),
// `check --minimize` and the refusals of `--update`/`--minimize` beside `--grep`/`--shard`, and
// `clean` against `clean --all`. Small on purpose: one rule set, explore's and diff's 8 cells,
// a check of 4.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CellResult, RunReport } from '../../harness/cell-contract.ts';
import { newRunId } from '../../harness/run-state.ts';
import type { DiffReport } from '../../harness/report/diff-report.ts';
import { PINHOLE, pinholeCli } from '../support/pinhole-cli.ts';
import { scratchDir } from '../support/scratch-dir.ts';

const out = scratchDir('pinhole-flags-test-');
/** An explore or diff takes 5 s alone, a 4-cell check with --minimize 7 s; a loaded two-core machine, three times that. */
const COMMAND_TIMEOUT_MS = 90_000;
test.describe.configure({ timeout: 150_000 });

const pinhole = (args: string[], env: Record<string, string> = {}) => pinholeCli(args, { env, timeoutMs: COMMAND_TIMEOUT_MS });

const RULESETS = 'suites/ftp-stateful/rulesets';
/** Passive modes pass (a static range), active ones are blocked (no helper): both outcomes in 8 cells. */
const PASSIVE_ONLY = `${RULESETS}/passive-range-no-helper.nft`;
const isBlocked = (c: CellResult) => c.observed === 'blocked';

/** The report embedded in an HTML report page, and the page's title. */
function htmlReport(dir: string): { title: string; embedded: { results: Array<{ id: string }> } } {
  const page = readFileSync(join(dir, 'index.html'), 'utf8');
  const embedded = /<script type="application\/json" id="pinhole-report">([\s\S]*?)<\/script>/.exec(page);
  expect(embedded, `no embedded report in ${dir}/index.html`).not.toBeNull();
  return { title: /<title>([^<]*)<\/title>/.exec(page)?.[1] ?? '', embedded: JSON.parse(embedded![1]!) };
}

test('explore --server --html --evidence none, PINHOLE_ADVICE=suggest, PINHOLE_ATTRIBUTION=off: each does what it says', () => {
  const dir = join(out(), 'explore');
  const json = join(dir, 'results.json');
  const html = join(dir, 'html');
  const r = pinhole(['explore', '--topology', 'routed', '--ruleset', PASSIVE_ONLY, '--server', 'proftpd', '--json', json, '--html', html, '--evidence', 'none'], { PINHOLE_ADVICE: 'suggest', PINHOLE_ATTRIBUTION: 'off' });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.left).toEqual([]);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  expect(report.results.map((c) => `${c.mode} ${c.command} ${c.observed}`)).toEqual(['PORT RETR blocked', 'PORT STOR blocked', 'EPRT RETR blocked', 'EPRT STOR blocked', 'PASV RETR pass', 'PASV STOR pass', 'EPSV RETR pass', 'EPSV STOR pass']);

  // --server: every cell on proftpd, not the topology's vsftpd.
  expect(new Set(report.results.map((c) => c.serverKind))).toEqual(new Set(['proftpd']));
  expect(r.stdout).toMatch(/^passive-range-no-helper proftpd +block/m);

  // --evidence none: nothing kept, where explore keeps every cell's by default (none is judged).
  expect(report.results.map((c) => c.evidence)).toEqual(Array(8).fill(null));
  expect(existsSync(join(dir, 'evidence')), 'an evidence directory beside the JSON report').toBe(false);
  expect(r.stdout).toContain('evidence kept for 0 of 8 cells');

  // PINHOLE_ADVICE=suggest: each blocked cell names a change, not verified (no re-run).
  for (const c of report.results.filter(isBlocked)) expect(c.advice, c.id).toEqual({ change: expect.stringContaining('ct helper'), verified: false });
  expect(r.stdout).toContain('may pass with this change (not verified)');

  // PINHOLE_ATTRIBUTION=off: no cell says which rule decided, and no rule coverage.
  expect(report.results.filter((c) => c.attribution !== undefined).map((c) => c.id)).toEqual([]);
  expect(report.coverage).toBeUndefined();
  expect(r.stdout).not.toContain('rule coverage');

  // --html: the page holds this run's cells, titled with the rule set and topology.
  const page = htmlReport(html);
  expect(page.title).toBe('pinhole explore passive-range-no-helper on routed');
  expect(page.embedded.results.map((c) => c.id)).toEqual(report.results.map((c) => c.id));
});

test('diff --server --html, PINHOLE_ADVICE=off: both rule sets on that server, one page, no advice for the regressions', () => {
  const dir = join(out(), 'diff');
  const json = join(dir, 'diff.json');
  const html = join(dir, 'html');
  // Taking the passive range away breaks the passive modes: four regressions, which advice would otherwise be sought for.
  const r = pinhole(['diff', '--ruleset', PASSIVE_ONLY, '--ruleset', `${RULESETS}/no-helper.nft`, '--server', 'pure-ftpd', '--json', json, '--html', html], { PINHOLE_ADVICE: 'off' });
  expect(r.code, r.stderr + r.stdout).toBe(1);
  expect(r.left).toEqual([]);
  expect(r.stdout).toContain('4 of 8 cells changed: 4 regressions');
  const report = JSON.parse(readFileSync(json, 'utf8')) as DiffReport;
  const cells = [...report.old.results, ...report.new.results];
  expect(cells).toHaveLength(16);

  // --server: old and new both on pure-ftpd.
  expect(new Set(cells.map((c) => c.serverKind))).toEqual(new Set(['pure-ftpd']));
  expect(report.changed.map((c) => `${c.mode} ${c.command} ${c.kind}`)).toEqual(['PASV RETR regression', 'PASV STOR regression', 'EPSV RETR regression', 'EPSV STOR regression']);

  // PINHOLE_ADVICE=off: no advice, not even for a regression (a violation, which gets verified advice by default).
  expect(report.new.results.filter((c) => c.verdict === 'violation')).toHaveLength(4);
  expect(cells.filter((c) => c.advice !== null).map((c) => c.id)).toEqual([]);

  // What the explore test's flags took away is here by default: attribution, and evidence (beside --json).
  expect(cells.filter((c) => c.observed === 'pass' && c.attribution === undefined).map((c) => c.id)).toEqual([]);
  expect(cells.every((c) => c.evidence !== null && existsSync(join(dirname(json), c.evidence)))).toBe(true);

  // --html: one page with both sides' cells, titled OLD -> NEW.
  const page = htmlReport(html);
  expect(page.title).toBe(`pinhole diff ${PASSIVE_ONLY} -&gt; ${RULESETS}/no-helper.nft`);
  expect(page.embedded.results.map((c) => c.id).sort()).toEqual(cells.map((c) => c.id).sort());
});

/** A check of 4 cells (the four modes, RETR, vsftpd, the probe, no FTPS, no attacks) on dead-rule.nft. */
function smallCheck(): string {
  const dir = join(out(), 'check');
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/rulesets/dead-rule.nft', join(dir, 'dead-rule.nft'));
  const file = join(dir, 'pinhole.yaml');
  writeFileSync(
    file,
    [
      'name: small',
      'checks:',
      '  - ruleset: dead-rule.nft',
      '    topology: routed',
      '    servers: [vsftpd]',
      '    clients: [probe]',
      '    commands: [RETR]',
      '    tls: [none]',
      '    scenarios: [transfer]',
      '    security: []',
      '    expect: { PORT: pass, EPRT: pass, PASV: pass, EPSV: pass }',
      '',
    ].join('\n'),
  );
  return file;
}

test('check --minimize: each accepting rule deleted alone and the check\'s cells run again; the rule another can stand in for can go', () => {
  const file = smallCheck();
  const json = join(dirname(file), 'results.json');
  const reports = ['--json', json, '--junit', join(dirname(file), 'junit.xml'), '--html', join(dirname(file), 'html')];
  // One worker: the lane beside this one is busy.
  const r = pinhole(['check', file, '--minimize', '--workers', '1', ...reports]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.left).toEqual([]);
  expect(r.stdout).toContain('4 cells: 4 compliant');
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  expect(report.results).toHaveLength(4);
  // As explore --minimize on the same file (cli.spec.ts): without line 17, the unreached line 18 takes its place.
  expect(report.minimize!.map((f) => [f.at, f.removable, f.changed.length])).toEqual([
    ['dead-rule.nft:15', false, 4],
    ['dead-rule.nft:16', false, 4],
    ['dead-rule.nft:17', true, 0],
  ]);
  expect(r.stdout).toContain('check 1 (dead-rule on routed): minimize');
  expect(r.stdout).toContain('dead-rule.nft:17 iifname "lan0" oifname "wan0" tcp dport 21 ct state new accept: can go: no outcome changes without it');
});

test('check --update and --minimize refuse --grep and --shard: exit 2 naming both, before anything starts', () => {
  const file = smallCheck();
  const before = readFileSync(file, 'utf8');
  for (const flag of ['--update', '--minimize']) {
    for (const [part, value] of [['--grep', 'PORT'], ['--shard', '1/2']] as const) {
      const json = join(dirname(file), `refused${flag}${part}.json`);
      const r = pinhole(['check', file, flag, part, value, '--json', json]);
      expect([r.code, r.stdout, r.stderr], `check ${flag} ${part} ${value}`).toEqual([2, '', `pinhole: ${flag} needs every cell of the check file: leave out ${part}\n`]);
      expect(existsSync(json)).toBe(false);
      expect(r.left).toEqual([]);
    }
  }
  expect(readFileSync(file, 'utf8'), '--update wrote the file').toBe(before);
});

/**
 * `clean` leaves a run whose owner is alive; `clean --all` removes it. In a mount namespace of
 * its own, with empty /run/netns and /run/pinhole: the labs of the tests beside this one stay
 * out of its sight, and what it makes is gone with the namespace whatever happens. Docker is
 * pointed at no engine, so Docker's clean finds nothing either.
 */
test('clean leaves a run that is still going on; clean --all removes it, namespaces and state', () => {
  const id = newRunId();
  const script = [
    'set -e',
    'mkdir -p /run/netns /run/pinhole',
    'mount -t tmpfs pinhole-clean-test /run/netns',
    'mount -t tmpfs pinhole-clean-test /run/pinhole',
    // A run owned by this shell, alive until the script ends: one still going on.
    `mkdir /run/pinhole/${id}`,
    `printf '{"pid":%s,"start":"%s"}' $$ "$(cut -d' ' -f22 /proc/$$/stat)" > /run/pinhole/${id}/owner.json`,
    `ip netns add pinhole-${id}-n-fw`,
    `echo '== clean'; node ${PINHOLE} clean; echo "== left"; ip netns list; ls /run/pinhole`,
    `echo '== clean --all'; node ${PINHOLE} clean --all; echo "== left"; ip netns list; ls /run/pinhole`,
  ].join('\n');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    timeout: COMMAND_TIMEOUT_MS,
  });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toBe(
    [
      '== clean',
      'nothing to clean',
      '== left',
      `pinhole-${id}-n-fw`,
      id,
      '== clean --all',
      'removed:',
      `  pinhole-${id}-n-fw`,
      `  /run/pinhole/${id}`,
      '== left',
      '',
    ].join('\n'),
  );
});
