// The pinhole command end to end, as a user and a CI job run it: exit codes, the matrix,
// the JSON contract and JUnit, and nothing left behind on bad input.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { causeCode } from '../../harness/model.ts';
import { cellId, type CellResult, type RunReport } from '../../harness/cell-contract.ts';
import type { DiffReport } from '../../harness/report/diff-report.ts';
import { DEFAULT_RUN_CELLS, DEFAULT_RUN_FILES, sharedDefaultRun } from '../support/default-run.ts';
import { PINHOLE, pinholeCli } from '../support/pinhole-cli.ts';
import { scratchDir } from '../support/scratch-dir.ts';

/** Removed after the file's tests (scratch-dir.ts). */
const out = scratchDir('pinhole-cli-test-');

/** An explore or diff takes 3-6 s: well inside the test's 60 s, so a hung one fails with its output. */
const COMMAND_TIMEOUT_MS = 45_000;

function pinhole(args: string[], opts: { user?: string; timeoutMs?: number } = {}) {
  return pinholeCli(args, { ...opts, timeoutMs: opts.timeoutMs ?? COMMAND_TIMEOUT_MS });
}

// The whole default run is made once, before any test (test/global-setup.ts): this test reads its reports.
test('pinhole run: every cell compliant, exit 0, matrix printed, JSON contract and JUnit written', async () => {
  const r = sharedDefaultRun();
  const { json, junit, html } = DEFAULT_RUN_FILES;
  test.info().annotations.push({ type: 'default run took', description: `${(r.wallMs / 1000).toFixed(0)} s` });
  expect(r.timedOut, 'the default run was interrupted: it did not end in its time').toBe(false);
  expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
  expect(r.left, 'runs of the default run still there after it').toEqual([]);
  expect(r.stdout).toContain('ftp-stateful on routed');
  expect(r.stdout).toContain('ftp-servers on routed');
  expect(r.stdout).toContain('ftp-port-2121 on routed-2121');
  expect(r.stdout).toContain('ftp-security on routed-bounce');
  expect(r.stdout).toContain('ftp-ipv6 on routed-dualstack');
  expect(r.stdout).toContain('ftp-clients on routed');
  expect(r.stdout).toContain(`${DEFAULT_RUN_CELLS} cells: ${DEFAULT_RUN_CELLS} compliant`);
  // The default policy keeps evidence for the cells a person would open: none in an all-compliant run.
  expect(r.stdout).toContain(`evidence kept for 0 of ${DEFAULT_RUN_CELLS} cells`);

  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  expect(report.version).toBe(1);
  expect(report.driver).toBe('netns');
  expect(report.results).toHaveLength(DEFAULT_RUN_CELLS);
  expect(new Set(report.results.map((c) => c.id)).size).toBe(DEFAULT_RUN_CELLS);
  // The catalogue's dimensions really vary in the default run.
  expect(new Set(report.results.map((c) => c.tls))).toEqual(new Set(['none', 'explicit', 'implicit', 'ccc']));
  expect(new Set(report.results.map((c) => c.probe))).toEqual(new Set(['transfer', 'session', 'concurrent', 'bounce', 'pinhole-scope', 'helper-scope']));
  expect(new Set(report.results.map((c) => c.serverKind))).toEqual(new Set(['vsftpd', 'pure-ftpd', 'proftpd']));
  // Rules every cell keeps, each checked over all cells at once: a failure lists every cell
  // that breaks it (and 963 cells x 9 expect() calls cost seconds).
  const breaking = (rule: (c: CellResult) => boolean) => report.results.filter((c) => !rule(c)).map((c) => c.id);
  const KEYS = ['id', 'suite', 'topology', 'ruleset', 'mode', 'command', 'client', 'server', 'family', 'serverKind', 'clientKind', 'tls', 'kind', 'probe', 'expected', 'observed', 'verdict', 'cause', 'advice', 'evidence', 'durationMs', 'testMs'].sort();
  // Transfers carry their attribution too (the contract grew); attacks do not. A rule set a
  // frontend rendered (ftp-frontends) names the frontend; no other cell has the key.
  const keysOf = (c: CellResult) => [...KEYS, ...(c.kind === 'transfer' ? ['attribution'] : []), ...(c.suite === 'ftp-frontends' ? ['frontend'] : [])].sort();
  expect(breaking((c) => Object.keys(c).sort().join() === keysOf(c).join()), `keys other than ${KEYS.join(', ')} (and attribution on transfers, frontend on ftp-frontends)`).toEqual([]);
  // What was applied is kept beside the report, named relative to it.
  expect(breaking((c) => c.suite !== 'ftp-frontends' || c.frontend!.rendering.every((f) => f.startsWith('renderings/') && existsSync(join(dirname(json), f))))).toEqual([]);
  // Every passing transfer names, for each of its connections, the rule that let it through (or
  // that no chain of the rule set was on its path) and its state, from the firewall's trace.
  const attributed = (c: CellResult) => {
    const conns = c.attribution?.connections ?? [];
    return conns.some((x) => x.connection === 'control') && conns.some((x) => x.connection === 'data') && conns.every((x) => (x.decidedBy !== null || x.unfiltered !== undefined) && x.state !== null);
  };
  expect(breaking((c) => c.kind !== 'transfer' || c.observed !== 'pass' || attributed(c)), 'a passing transfer without the rule and state of each connection').toEqual([]);
  // And each built-in rule set has its coverage table.
  expect(new Set((report.coverage ?? []).map((rs) => rs.file))).toEqual(new Set(report.results.filter((c) => c.attribution).map((c) => c.attribution!.file)));
  // The id names every non-default dimension, so two cells never share one.
  expect(breaking((c) => c.id === cellId(c)), 'id is not cellId(cell)').toEqual([]);
  // IPv6 exactly where a suite dials the server's IPv6 address: ftp-ipv6's EPRT and EPSV cells,
  // every cell of the IPv6-only nat-ftp-ipv6 (nftables' packetpath/nat_ftp case), and
  // ftp-frontends' IPv6 tables (EPRT and EPSV in both families: the id says which was declared).
  const dialsIpv6 = (c: CellResult) => c.topology === 'nat-ftp-ipv6' || (c.suite === 'ftp-ipv6' && (c.mode === 'EPRT' || c.mode === 'EPSV')) || (c.suite === 'ftp-frontends' && c.id.endsWith('+ipv6'));
  expect(breaking((c) => c.family === (dialsIpv6(c) ? 'ipv6' : 'ipv4')), 'family').toEqual([]);
  // Real clients run in ftp-clients and ftp-host-firewall only, and their cells name the client at
  // the end of the id (`...+curl`); all others are the probe's.
  const REAL_CLIENT_SUITES = new Set(['ftp-clients', 'ftp-host-firewall']);
  expect(breaking((c) => (c.clientKind === 'probe' ? true : REAL_CLIENT_SUITES.has(c.suite) && c.id.endsWith(`+${c.clientKind}`))), 'clientKind').toEqual([]);
  expect(breaking((c) => c.suite !== 'ftp-clients' || c.clientKind !== 'probe'), 'ftp-clients cells are real clients').toEqual([]);
  expect(breaking((c) => c.kind === (c.suite === 'ftp-security' ? 'security' : 'transfer')), 'kind').toEqual([]);
  expect(breaking((c) => c.verdict === 'compliant'), 'not compliant').toEqual([]);
  expect(breaking((c) => c.observed === c.expected), 'observed is not expected').toEqual([]);
  // A blocked transfer always says why and a passing one has no cause; a security cell always
  // says what stopped the attack or what got through.
  expect(breaking((c) => (c.cause === null) === (c.kind === 'transfer' && c.observed === 'pass')), 'cause present exactly where not a passing transfer').toEqual([]);
  const cell = (ruleset: string, mode: string, command: string) =>
    report.results.find((c) => c.suite === 'ftp-stateful' && c.ruleset === ruleset && c.mode === mode && c.command === command)!;
  expect(cell('masquerade-no-helper', 'PORT', 'RETR').cause).toMatch(/^nat-not-rewritten: PORT named 192\.168\.10\.10, but fw translates .*: 500 Illegal PORT command\.$/);
  expect(cell('no-helper', 'PASV', 'STOR').cause).toMatch(/^no-helper: .*: SYN 192\.168\.10\.10:\d+ -> 203\.0\.113\.10:500(0\d|10) \(client to server\) dropped at fw/);
  expect(cell('passive-range-no-helper', 'EPRT', 'RETR').cause).toMatch(/^no-helper: .*: SYN 203\.0\.113\.10:20 -> 192\.168\.10\.10:\d+ \(server to client\) dropped at fw/);
  const ipv6 = report.results.find((c) => c.suite === 'ftp-ipv6' && c.ruleset === 'inet-no-helper' && c.mode === 'EPSV' && c.command === 'RETR')!;
  expect(ipv6.cause).toMatch(/^no-helper: .*: SYN \[2001:db8:10::10\]:\d+ -> \[2001:db8:20::10\]:500(0\d|10) \(client to server\) dropped at fw by inet filter forward policy drop$/);

  expect(report.results.filter((c) => c.suite === 'ftp-clients' && c.clientKind === 'curl')).toHaveLength(96);
  expect(report.results.filter((c) => c.suite === 'ftp-clients' && c.clientKind === 'lftp')).toHaveLength(72);
  // Host firewalls: the drop is named at the host and in the chain the connection crossed there.
  const hostCell = (ruleset: string, mode: string) => report.results.find((c) => c.suite === 'ftp-host-firewall' && c.ruleset === ruleset && c.mode === mode && c.command === 'RETR' && c.id.split('+').length === 1)!;
  expect(hostCell('server-input-only', 'PASV').cause).toMatch(/^no-helper: .*: SYN 192\.168\.10\.10:\d+ -> 203\.0\.113\.10:500(0\d|10) \(client to server\) dropped at server by inet filter input policy drop$/);
  expect(hostCell('server-input-output-drop', 'PORT').cause).toMatch(/^no-helper: .*: SYN 203\.0\.113\.10:20 -> 192\.168\.10\.10:\d+ \(server to client\) dropped at server by inet filter output policy drop$/);
  expect(hostCell('client-prerouting-helper', 'EPRT').cause).toMatch(/^no-helper: .*: SYN 203\.0\.113\.10:20 -> 192\.168\.10\.10:\d+ \(server to client\) dropped at client by inet filter input policy drop$/);
  expect(hostCell('client-input-output-drop', 'EPSV').cause).toMatch(/dropped at client by inet filter output policy drop$/);
  // Real clients: the same causes as the probe, curl's EPRT refusal decided before its fallback to PORT.
  const clientCell = (clientKind: string, ruleset: string, mode: string, command: string) =>
    report.results.find((c) => c.suite === 'ftp-clients' && c.clientKind === clientKind && c.ruleset === ruleset && c.mode === mode && c.command === command)!;
  expect(clientCell('curl', 'masquerade-no-helper', 'EPRT', 'RETR').cause).toMatch(/^nat-not-rewritten: EPRT named 192\.168\.10\.10, .*: 500 Illegal EPRT command\.$/);
  expect(clientCell('lftp', 'masquerade-no-helper', 'PORT', 'STOR').cause).toMatch(/^nat-not-rewritten: PORT named 192\.168\.10\.10, .*: 500 Illegal PORT command\.$/);
  expect(clientCell('lftp', 'no-helper', 'EPSV', 'LIST').cause).toMatch(/^no-helper: .*: SYN 192\.168\.10\.10:\d+ -> 203\.0\.113\.10:500(0\d|10) \(client to server\) dropped at fw/);
  expect(clientCell('curl', 'nft-helper', 'EPRT', 'STOR').id).toBe('ftp-clients/routed/nft-helper/EPRT-STOR+curl');
  // The same client behind masquerade without helper, answered the way each server software does.
  const server = (kind: string, ruleset: string, mode: string) =>
    report.results.find((c) => c.suite === 'ftp-servers' && c.serverKind === kind && c.ruleset === ruleset && c.mode === mode && c.command === 'RETR')!;
  // Both are the same mistake of the rule set, an unrewritten PORT/EPRT: nat-not-rewritten, each with its own evidence.
  expect(server('pure-ftpd', 'masquerade-no-helper', 'EPRT').cause).toMatch(/^nat-not-rewritten: EPRT named 192\.168\.10\.10, .*: 500 I won't open a connection to 192\.168\.10\.10 \(only to 203\.0\.113\.254\)$/);
  expect(server('proftpd', 'masquerade-no-helper', 'PORT').cause).toMatch(
    /^nat-not-rewritten: PORT named 192\.168\.10\.10, .*: the server dialled 203\.0\.113\.254:(\d+), fw's own address \(the control connection's peer\), not the announced 192\.168\.10\.10:\1; .*: 425 Unable to build data connection: Connection refused$/,
  );
  // Like vsftpd, both dial active data connections from port 20.
  for (const kind of ['pure-ftpd', 'proftpd']) expect(server(kind, 'no-helper', 'PORT').cause).toMatch(/^no-helper: .*: SYN 203\.0\.113\.10:20 -> 192\.168\.10\.10:\d+ \(server to client\) dropped at fw/);

  // Every cell that did not pass says why with a code of the contract, diagnosed from the
  // firewall's state: no data drop is left undiagnosed.
  const failing = report.results.filter((c) => c.observed !== 'pass');
  expect(failing.length).toBeGreaterThan(300);
  expect(failing.filter((c) => causeCode(c.cause) === undefined).map((c) => `${c.id}: ${c.cause}`), 'cause without a code of the contract').toEqual([]);
  expect(failing.filter((c) => /^firewall-drop: data connection: /.test(c.cause ?? '')).map((c) => `${c.id}: ${c.cause}`), 'data drop left undiagnosed').toEqual([]);
  const codes = new Set(failing.map((c) => causeCode(c.cause)));
  for (const code of ['no-helper', 'helper-before-conntrack', 'nat-not-rewritten', 'tls-blind', 'no-expectation', 'server-refused', 'firewall-drop'] as const) expect(codes, code).toContain(code);
  // Evidence is kept where a person will look (--evidence failures, the default): exactly the
  // cells that are not compliant, each with its directory beside the report.
  const withEvidence = report.results.filter((c) => c.evidence !== null);
  expect(withEvidence.filter((c) => !existsSync(join(dirname(json), c.evidence!, 'transcript.txt'))).map((c) => `${c.id}: evidence ${c.evidence}`), 'evidence without its transcript').toEqual([]);
  expect(withEvidence.length).toBe(report.results.filter((c) => c.verdict !== 'compliant').length);
  // Advice is re-run only where passing is wanted: a cell blocked as its suite requires gets none
  // (verified advice itself: 'advice that says verified really passes', below).
  expect(report.results.filter((c) => c.verdict === 'compliant' && c.advice !== null).map((c) => c.id)).toEqual([]);

  const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, 'utf8'));
  const suites = [xml.testsuites.testsuite].flat();
  // One testsuite per suite, topology and rule set.
  expect(suites).toHaveLength(new Set(report.results.map((c) => `${c.suite} ${c.topology} ${c.ruleset}`)).size);
  expect(suites.reduce((n: number, s: Record<string, string>) => n + Number(s['@_tests']), 0)).toBe(DEFAULT_RUN_CELLS);
  expect(suites.every((s: Record<string, string>) => s['@_failures'] === '0' && s['@_errors'] === '0')).toBe(true);
  // The HTML report carries the same JSON report the run wrote.
  const page = readFileSync(join(html, 'index.html'), 'utf8');
  const embedded = /<script type="application\/json" id="pinhole-report">([\s\S]*?)<\/script>/.exec(page);
  expect((JSON.parse(embedded![1]!) as RunReport).results.map((c) => c.id)).toEqual(report.results.map((c) => c.id));
});

// README, "Privileges": pinhole never touches the host. The snapshots were taken by the global
// setup just before and after the shared run, while no other test ran.
test('pinhole run (netns): the host after the full run is as it was before', async () => {
  const r = sharedDefaultRun();
  expect(r.code, r.stderr).toBe(0);
  expect(r.hostDiff, 'the host after the full netns run differs from before it').toBe('');
});

test('pinhole explore: observed verdicts for the eight cells, with causes', async () => {
  const json = join(out(), 'explore.json');
  const r = pinhole(['explore', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/passive-range-no-helper.nft', '--json', json]);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  expect(report.results).toHaveLength(8);
  for (const c of report.results) {
    expect([c.expected, c.verdict]).toEqual([null, 'observed']);
    expect(c.observed).toBe(c.mode === 'PASV' || c.mode === 'EPSV' ? 'pass' : 'blocked');
  }
  expect(r.stdout).toMatch(/passive-range-no-helper PORT RETR: blocked — no-helper: /);
  expect(r.left).toEqual([]);
});

test('attribution, rule coverage and --minimize: each connection names the rule and line that let it through; a dead rule is reached by no cell', async () => {
  const json = join(out(), 'dead-rule.json');
  const junit = join(out(), 'dead-rule.xml');
  const r = pinhole(['explore', '--topology', 'routed', '--ruleset', 'test/fixtures/rulesets/dead-rule.nft', '--json', json, '--junit', junit, '--minimize']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('test/fixtures/rulesets/dead-rule.nft: 4 of 5 rules reached');
  expect(r.stdout).toContain('dead-rule.nft:18 reached by no cell: iifname "lan0" tcp dport 21 accept');
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  // Every passing cell names what decided its control and data connections, from the trace.
  for (const c of report.results) {
    const [control, data] = c.attribution!.connections;
    expect(control).toMatchObject({ connection: 'control', state: 'new', helper: 'ftp-standard', decidedBy: { at: 'dead-rule.nft:17', verdict: 'accept' } });
    expect(data).toMatchObject({ connection: 'data', state: 'related', decidedBy: { at: 'dead-rule.nft:16', verdict: 'accept' } });
  }
  const coverage = report.coverage![0]!;
  expect(coverage.rules.map((rule) => [rule.at, rule.cells.length > 0])).toEqual([
    ['dead-rule.nft:11', true],
    ['dead-rule.nft:15', true],
    ['dead-rule.nft:16', true],
    ['dead-rule.nft:17', true],
    ['dead-rule.nft:18', false],
  ]);
  // --minimize, by experiment: without line 17 the unreached line 18 takes its place; 15 and 16 are needed.
  expect(report.minimize!.map((f) => [f.at, f.removable, f.changed.length])).toEqual([
    ['dead-rule.nft:15', false, 8],
    ['dead-rule.nft:16', false, 8],
    ['dead-rule.nft:17', true, 0],
  ]);
  expect(r.stdout).toContain('dead-rule.nft:17 iifname "lan0" oifname "wan0" tcp dport 21 ct state new accept: can go: no outcome changes without it');
  expect(readFileSync(junit, 'utf8')).toContain('<property name="data" value="data connection accepted as RELATED (expectation of helper ftp-standard on the control connection) by rule &quot;ct state related ct helper &quot;ftp&quot; accept&quot; at dead-rule.nft:16');
});

test('pinhole explore --expect: a file that matches the rule set: exit 0, every named cell compliant, JUnit without failures', async () => {
  const expectFile = join(out(), 'passive-range.expect.yaml');
  // passive-range-no-helper.nft opens the passive range only: active modes need the helper it lacks.
  writeFileSync(expectFile, 'expect:\n  PORT: blocked\n  EPRT: blocked\n  PASV: pass\n  "EPSV RETR": pass\n');
  const json = join(out(), 'expect-ok.json');
  const junit = join(out(), 'expect-ok.xml');
  const r = pinhole(['explore', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/passive-range-no-helper.nft', '--expect', expectFile, '--json', json, '--junit', junit]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  const cells = (JSON.parse(readFileSync(json, 'utf8')) as RunReport).results;
  // EPSV STOR is not named: observed, not judged.
  expect(cells.map((c) => [`${c.mode} ${c.command}`, c.expected, c.verdict])).toEqual([
    ['PORT RETR', 'blocked', 'compliant'],
    ['PORT STOR', 'blocked', 'compliant'],
    ['EPRT RETR', 'blocked', 'compliant'],
    ['EPRT STOR', 'blocked', 'compliant'],
    ['PASV RETR', 'pass', 'compliant'],
    ['PASV STOR', 'pass', 'compliant'],
    ['EPSV RETR', 'pass', 'compliant'],
    ['EPSV STOR', null, 'observed'],
  ]);
  expect(r.stdout).toContain('7 cells: 7 compliant');
  // The matrix marks judged cells; the one the file does not name carries no mark.
  expect(r.stdout).toMatch(/^passive-range-no-helper +(?:block ✓ +){4}(?:pass ✓ +){3}pass$/m);
  const suites = [new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, 'utf8')).testsuites.testsuite].flat();
  expect(suites.every((s: Record<string, string>) => s['@_failures'] === '0' && s['@_errors'] === '0')).toBe(true);
  expect(r.left).toEqual([]);
});

test('pinhole explore --expect: a file that is wrong on purpose: exit 1, the violation shown with expected and observed', async () => {
  const expectFile = join(out(), 'wrong.expect.yaml');
  // Wrong on two cells: PORT needs the helper this rule set lacks, and PASV STOR does pass.
  writeFileSync(expectFile, 'expect:\n  "PORT RETR": pass\n  "PASV STOR": blocked\n');
  const json = join(out(), 'expect-wrong.json');
  const junit = join(out(), 'expect-wrong.xml');
  const r = pinhole(['explore', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/passive-range-no-helper.nft', '--expect', expectFile, '--json', json, '--junit', junit]);
  expect(r.code, r.stderr + r.stdout).toBe(1);
  const cells = (JSON.parse(readFileSync(json, 'utf8')) as RunReport).results;
  const judged = cells.filter((c) => c.expected !== null).map((c) => [c.id, c.expected, c.observed, c.verdict]);
  expect(judged).toEqual([
    ['explore/routed/passive-range-no-helper/PORT-RETR', 'pass', 'blocked', 'violation'],
    ['explore/routed/passive-range-no-helper/PASV-STOR', 'blocked', 'pass', 'violation'],
  ]);
  expect(r.stdout).toMatch(/✗ passive-range-no-helper PORT RETR: expected pass, observed blocked — no-helper: /);
  expect(r.stdout).toContain('✗ passive-range-no-helper PASV STOR: expected blocked, observed pass');
  expect(r.stdout).toContain('2 cells: 0 compliant, 2 violations');
  const suites = [new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, 'utf8')).testsuites.testsuite].flat();
  expect(suites.reduce((n: number, s: Record<string, string>) => n + Number(s['@_failures']), 0)).toBe(2);
  // A violating cell keeps its evidence, as in `pinhole run`.
  const pasvStor = cells.find((c) => c.mode === 'PASV' && c.command === 'STOR')!;
  expect(existsSync(join(out(), pasvStor.evidence ?? 'none', 'transcript.txt'))).toBe(true);
});

const STATEFUL = 'suites/ftp-stateful/rulesets';

/**
 * Advice as a person applies it: nft commands appended to the file; iptables-save lines added
 * under their `*table` header, before its COMMIT. Written here on purpose, not imported: the
 * test must not share the harness's own way of applying a change.
 */
function applyAdvice(text: string, change: string): string {
  if (!change.startsWith('*')) return `${text}\n${change}\n`;
  const [header, ...lines] = change.split('\n');
  const at = text.indexOf(`${header}\n`);
  if (at < 0) return `${text}${header}\n:PREROUTING ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n${lines.join('\n')}\nCOMMIT\n`;
  const commit = text.indexOf('COMMIT', at);
  return `${text.slice(0, commit)}${lines.join('\n')}\n${text.slice(commit)}`;
}

test('advice that says verified really passes: applied to the rule set file, explore passes every cell it was given for', async () => {
  test.setTimeout(120_000);
  const iptablesNoHelper = readFileSync(`${STATEFUL}/iptables-ct-helper.rules`, 'utf8').replace(/^-A PREROUTING .*CT --helper ftp\n/m, '');
  const cases: Array<[string, string]> = [
    ['no-helper.nft', readFileSync(`${STATEFUL}/no-helper.nft`, 'utf8')],
    ['masquerade-no-helper.nft', readFileSync(`${STATEFUL}/masquerade-no-helper.nft`, 'utf8')],
    ['helper-before-conntrack.nft', readFileSync(`${STATEFUL}/helper-before-conntrack.nft`, 'utf8')],
    ['iptables-no-helper.rules', iptablesNoHelper],
  ];
  let verified = 0;
  for (const [name, text] of cases) {
    const file = join(out(), `advice-${name}`);
    writeFileSync(file, text);
    const json = join(out(), `advice-${name}.json`);
    const before = pinhole(['explore', '--topology', 'routed', '--ruleset', file, '--json', json]);
    expect(before.code, before.stderr).toBe(0);
    const blocked = (JSON.parse(readFileSync(json, 'utf8')) as RunReport).results.filter((c) => c.observed === 'blocked');
    expect(blocked.length, name).toBeGreaterThan(0);
    // Every blocked cell of these rule sets can be fixed by one rule change, and was.
    for (const c of blocked) expect(c.advice?.verified, `${name} ${c.id}: ${c.cause}`).toBe(true);
    const byChange = new Map<string, string[]>();
    for (const c of blocked) byChange.set(c.advice!.change, [...(byChange.get(c.advice!.change) ?? []), `${c.mode}-${c.command}`]);
    for (const [change, cells] of byChange) {
      const fixed = join(out(), `advice-${name}-fixed-${byChange.size}-${cells[0]}${name.slice(name.lastIndexOf('.'))}`);
      writeFileSync(fixed, applyAdvice(text, change));
      const afterJson = `${fixed}.json`;
      const after = pinhole(['explore', '--topology', 'routed', '--ruleset', fixed, '--json', afterJson]);
      expect(after.code, after.stderr).toBe(0);
      const results = (JSON.parse(readFileSync(afterJson, 'utf8')) as RunReport).results;
      for (const cell of cells) {
        expect(results.find((c) => `${c.mode}-${c.command}` === cell)?.observed, `${name} + "${change}": ${cell}`).toBe('pass');
        verified++;
      }
    }
  }
  expect(verified).toBeGreaterThanOrEqual(20);
});

test('pinhole diff: dropping the helper is a regression: exit 1, each broken cell with its cause, JSON and JUnit of NEW', async () => {
  const json = join(out(), 'diff.json');
  const junit = join(out(), 'diff.xml');
  const [oldFile, newFile] = [`${STATEFUL}/nft-helper.nft`, `${STATEFUL}/no-helper.nft`];
  const r = pinhole(['diff', '--ruleset', oldFile, '--ruleset', newFile, '--json', json, '--junit', junit]);
  expect(r.code, r.stderr + r.stdout).toBe(1);
  // One matrix, a row per rule set labelled by its path.
  expect(r.stdout).toMatch(new RegExp(`^old ${oldFile} +pass +pass`, 'm'));
  expect(r.stdout).toMatch(new RegExp(`^new ${newFile} +block +block`, 'm'));
  for (const mode of ['PORT', 'EPRT']) {
    expect(r.stdout).toMatch(new RegExp(`regression +${mode} RETR: pass -> blocked \\(no-helper: .*: SYN 203\\.0\\.113\\.10:20 -> `));
  }
  expect(r.stdout).toContain('8 of 8 cells changed: 8 regressions');

  const report = JSON.parse(readFileSync(json, 'utf8')) as DiffReport;
  expect([report.version, report.driver, report.topology, report.old.ruleset, report.new.ruleset]).toEqual([1, 'netns', 'routed', oldFile, newFile]);
  expect(report.old.results.map((c) => c.observed)).toEqual(Array(8).fill('pass'));
  expect(report.new.results.every((c) => c.expected === 'pass' && c.verdict === 'violation')).toBe(true);
  expect(report.changed.find((c) => c.mode === 'PORT' && c.command === 'RETR')).toMatchObject({ kind: 'regression', old: 'pass', new: 'blocked', oldCause: null });
  expect(report.regressions).toBe(8);

  const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, 'utf8'));
  expect([xml.testsuites['@_tests'], xml.testsuites['@_failures'], xml.testsuites['@_errors']]).toEqual(['8', '8', '0']);
  expect(r.left).toEqual([]);
});

test('pinhole diff: adding the helper only improves: exit 0, what was blocked and why', async () => {
  const r = pinhole(['diff', '--ruleset', `${STATEFUL}/no-helper.nft`, '--ruleset', `${STATEFUL}/nft-helper.nft`]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toMatch(/improvement +PORT RETR: blocked -> pass \(was no-helper: /);
  expect(r.stdout).toContain('8 of 8 cells changed: 8 improvements');
});

test('pinhole diff: two versions of fw.nft that agree: exit 0, no verdict changed, rows and ids kept apart', async () => {
  const files = ['old', 'new'].map((dir) => {
    mkdirSync(join(out(), dir), { recursive: true });
    copyFileSync(`${STATEFUL}/passive-range-no-helper.nft`, join(out(), dir, 'fw.nft'));
    return join(out(), dir, 'fw.nft');
  });
  const json = join(out(), 'same.json');
  const r = pinhole(['diff', '--ruleset', files[0]!, '--ruleset', files[1]!, '--json', json]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toContain('no verdict changed (8 cells)');
  expect(r.stdout).toContain(`old ${files[0]}`);
  expect(r.stdout).toContain(`new ${files[1]}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as DiffReport;
  const ids = [...report.old.results, ...report.new.results].map((c) => c.id);
  expect(new Set(ids).size).toBe(16);
  expect(report.changed).toEqual([]);
});

test('pinhole diff: bad input exits 2 naming the file or option, before anything starts', async () => {
  const missing = join(out(), 'gone', 'fw.nft');
  const json = join(out(), 'never.json');
  const r = pinhole(['diff', '--ruleset', `${STATEFUL}/no-helper.nft`, '--ruleset', missing, '--json', json]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toBe(`pinhole: ${missing}: cannot read rule set: no such file`);
  expect(existsSync(json)).toBe(false);
  expect(r.left).toEqual([]);
  for (const n of [1, 3]) {
    const one = pinhole(['diff', ...Array.from({ length: n }, () => ['--ruleset', `${STATEFUL}/no-helper.nft`]).flat()]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain(`pinhole: --ruleset: diff needs exactly two, OLD then NEW, or --frontend KIND --config PATH; got ${n}`);
  }
});

test('a rule set that does not parse: exit 2, the tool message with file:line, nothing created', async () => {
  const bad = join(out(), 'typo.nft');
  writeFileSync(bad, 'table inet filter {\n  chain forward {\n    type filter hook forward priority 0; policy drop;\n    ct state establishd accept\n  }\n}\n');
  const r = pinhole(['explore', '--topology', 'routed', '--ruleset', bad]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`${bad}:4:`);
  expect(r.stderr.trim().split('\n')[0]).toMatch(/^pinhole: /);
  expect(r.left).toEqual([]);
});

test('bad topology input: exit 2 with file and place', async () => {
  const topo = join(out(), 'broken.topo.yaml');
  writeFileSync(topo, readFileSync('topologies/routed.topo.yaml', 'utf8').replace('address: 192.168.10.10/24', 'address: 192.168.11.10/24'));
  const r = pinhole(['explore', '--topology', topo, '--ruleset', 'suites/ftp-stateful/rulesets/no-helper.nft']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`${topo}:\\d+: nodes\\.client\\.interfaces\\.eth0\\.address: `));
  expect(pinhole(['explore', '--topology', 'no-such-topology', '--ruleset', 'x.nft']).code).toBe(2);
});

test('--on: a node the topology lacks, or one that cannot carry a rule set: exit 2, one line, nothing created', async () => {
  const args = ['explore', '--topology', 'routed-bounce', '--ruleset', `${STATEFUL}/no-helper.nft`, '--on'];
  const unknown = pinhole([...args, 'nosuch']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr.trim()).toBe('pinhole: --on nosuch: topology routed-bounce has no node nosuch; its nodes: client, victim, fw, server');
  const host = pinhole([...args, 'victim']);
  expect(host.code).toBe(2);
  expect(host.stderr.trim()).toBe('pinhole: --on victim: node victim is a host; the rule set under test goes on a firewall, router, ftp-server, ftp-client node');
  expect(unknown.left).toEqual([]);
  expect(host.left).toEqual([]);
});

test('interface names as Linux allows them: a VLAN interface and a bridge in the rule set, a name `ip -batch` cannot read', async () => {
  const r = pinhole(['explore', '--topology', 'test/fixtures/topologies/valid/interface-names.topo.yaml', '--ruleset', 'test/fixtures/rulesets/vlan-interface-helper.nft', '--evidence', 'none']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('8 cells observed: 8 pass, 0 blocked, 0 error');
});

test('an IPv6-only topology: PORT and PASV cells are skipped with the reason, never run, never an error', async () => {
  const json = join(out(), 'v6.json');
  const r = pinhole(['explore', '--topology', 'test/fixtures/topologies/valid/dmz-ipv6.topo.yaml', '--ruleset', 'suites/ftp-ipv6/rulesets/inet-helper.nft', '--json', json, '--evidence', 'none']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('2 cells skipped (PORT RETR, PORT STOR): PORT carries IPv4 addresses only (RFC 2428)');
  const cells = (JSON.parse(readFileSync(json, 'utf8')) as RunReport).results;
  expect(cells.filter((c) => c.verdict === 'skipped').map((c) => c.mode).sort()).toEqual(['PASV', 'PASV', 'PORT', 'PORT']);
  expect(cells.filter((c) => c.observed === 'error')).toEqual([]);
});

test('usage errors exit 2; doctor reports the host', async () => {
  expect(pinhole(['frobnicate']).code).toBe(2);
  expect(pinhole(['explore', '--topology', 'routed']).code).toBe(2);
  const bogus = pinhole(['run', '--driver', 'bogus']);
  expect(bogus.code).toBe(2);
  expect(bogus.stderr).toContain("argument 'bogus' is invalid. Allowed choices are netns, docker.");
  const doctor = pinhole(['doctor']);
  expect(doctor.code).toBe(0);
  expect(doctor.stdout).toContain('netns driver (default): ready');
});

test('not root: exit 3 with what is missing and how to fix it', async () => {
  const r = pinhole(['run'], { user: 'nobody' });
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toContain('not running as root');
});

test('Ctrl-C in the middle of a run: exit 130, the interruption reported, nothing left behind', async () => {
  const { spawn } = await import('node:child_process');
  const { runOwnerAlive } = await import('../../harness/run-state.ts');
  const { runIdOfNamespace } = await import('../../harness/drivers/netns/netns-names.ts');
  // Its own process group, as a terminal would have it: Ctrl-C signals the whole group.
  const child = spawn(process.execPath, [PINHOLE, 'run', '--json', join(out(), 'int.json'), '--junit', join(out(), 'int.xml')], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  // Interrupt once cells are running (the lab is up and a firewall is being reset and applied):
  // not on a terminal, the progress prints a line when the first cell is done.
  await expect.poll(() => /^pinhole: \d+\/\d+ cells \(/m.test(output), { timeout: 30_000 }).toBe(true);
  process.kill(-child.pid!, 'SIGINT');
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  expect(code, output).toBe(130);
  expect(output).toContain('interrupted by SIGINT');
  // Every pinhole namespace still present belongs to a run whose owner is alive (another test).
  const { stdout } = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const orphans: string[] = [];
  for (const ns of stdout.split('\n').map((l) => l.split(' ')[0] ?? '')) {
    const id = runIdOfNamespace(ns);
    if (id && !(await runOwnerAlive(id))) orphans.push(ns);
  }
  expect(orphans).toEqual([]);
});

/** `pinhole run --grep TAG` with its exit code and JSON report. */
function runGrep(tag: string, timeoutMs = COMMAND_TIMEOUT_MS): { code: number | null; stderr: string; report: RunReport } {
  const json = join(out(), `grep-${tag.replace(/\W/g, '')}.json`);
  const r = pinhole(['run', '--grep', tag, '--json', json, '--junit', json.replace(/json$/, 'xml')], { timeoutMs });
  return { code: r.code, stderr: r.stderr, report: JSON.parse(readFileSync(json, 'utf8')) as RunReport };
}

test('pinhole run --grep selects cells by tag', async () => {
  const { code, stderr, report } = runGrep('@port');
  expect(code, stderr).toBe(0);
  expect(report.results).toHaveLength(32);
  expect(new Set(report.results.map((c) => c.suite))).toEqual(new Set(['ftp-port-2121']));
});

test('known-bad rule sets run only when asked for, and every attack that got through is a violation (exit 1)', async () => {
  // 30-45 s for six cells: Playwright starts a new worker, and so a new lab, after each failed test.
  test.setTimeout(150_000);
  const { code, stderr, report } = runGrep('@known-bad', 120_000);
  expect(code, stderr).toBe(1);
  expect(report.results).toHaveLength(8);
  for (const c of report.results) {
    expect([c.kind, c.expected, c.observed, c.verdict]).toEqual(['security', 'blocked', 'pass', 'violation']);
    expect(c.cause).toMatch(c.probe === 'helper-scope' ? /^attack-reached: slipstream: / : /^attack-reached: neighbour port: /);
  }
  expect(new Set(report.results.map((c) => c.ruleset))).toEqual(new Set(['passive-range-no-helper', 'web-helper-all-tcp', 'web-iptables-helper-all-tcp', 'shorewall-router-autohelpers']));
  // Shorewall's AUTOHELPERS: not the FTP helper fooled by a web connection, the IRC helper doing its job for anyone.
  for (const c of report.results.filter((x) => x.ruleset === 'shorewall-router-autohelpers')) expect(c.cause).toMatch(/the IRC server dialled 192\.168\.10\.10:\d+ through the firewall after "PRIVMSG victim :\\x01DCC SEND /);
});
