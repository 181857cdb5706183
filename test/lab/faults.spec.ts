// Faults of the lab itself, with real processes and packets (netns driver): pinhole must say
// `error` and what broke, never `blocked` (that needs a traced drop) and never `pass`.
//
//   client 192.168.10.10 --lan-- lan0 [fw] wan0 --wan-- server 203.0.113.10    (topologies/routed.topo.yaml)
//
// 1. The FTP server killed mid-transfer: `server-died`, and the next cell finds it started again.
// 2. A server node that cannot start (its control port is the one pinhole's implicit FTPS
//    listener takes): every way of running a cell says `node-start-failed`, naming the node and
//    the log pinhole kept.
import { encodeRunConfig, RUN_CONFIG_ENV, runConfigOf } from '../../harness/run-config.ts';
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DIMENSIONS } from '../../harness/cell-contract.ts';
import { driverFor } from '../../harness/drivers/registry.ts';
import { investigateCell } from '../../harness/cell/investigate-cell.ts';
import { Lab } from '../../harness/lab/lab.ts';
import { LabStartError } from '../../harness/lab/lab-start-error.ts';
import { causeCode, type FtpCommand, type Mode } from '../../harness/model.ts';
import type { RunReport } from '../../harness/cell-contract.ts';
import { TOPOLOGIES_DIR } from '../../harness/paths.ts';
import { loadRuleset, type Ruleset } from '../../harness/rulesets/load-ruleset.ts';
import { loadTopology } from '../../harness/topology/load-topology.ts';

const PLAYWRIGHT_CLI = fileURLToPath(import.meta.resolve('@playwright/test/cli'));
const PORT_990 = resolve('test/fixtures/topologies/faults/control-port-990.topo.yaml');
/** What vsftpd says, and where pinhole keeps it, when its implicit FTPS listener cannot bind 990. */
const START_FAILED = (logs: string) =>
  `node-start-failed: node server: vsftpd (implicit FTPS listener) did not start: exited 2 before listening on port 990: 500 OOPS: could not bind listening IPv4 socket (log: ${logs}/lab-control-port-990/server-vsftpd-implicit-FTPS-listener.log)`;

// Under test-results/ so a generated spec resolves @playwright/test from the repository.
mkdirSync('test-results', { recursive: true });
const scratch = () => mkdtempSync(join(resolve('test-results'), 'faults-'));

test.describe('the FTP server killed mid-transfer', () => {
  test.describe.configure({ mode: 'serial' });
  let lab: Lab;
  let ruleset: Ruleset;
  let json: string;
  test.beforeAll(async () => {
    lab = await Lab.up(await loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`), driverFor('netns'), { logsDir: join(scratch(), 'evidence') });
    ruleset = await loadRuleset('suites/ftp-stateful/rulesets/nft-helper.nft');
    json = join(scratch(), 'results.json');
  });
  test.afterAll(async () => {
    await lab?.[Symbol.asyncDispose]();
  });

  /** Every process listening in the server node (vsftpd's listeners), by pid. */
  async function listeners(): Promise<number[]> {
    const ss = await lab.serverNode.exec(['ss', '-Hltnp']);
    return [...new Set([...ss.stdout.matchAll(/pid=(\d+),/g)].map((m) => Number(m[1])))];
  }

  const listeningPorts = async () => [...(await lab.serverNode.exec(['ss', '-Hltn'])).stdout.matchAll(/:(\d+)\s/g)].map((m) => m[1]).sort();

  /** Kills the server's listeners and every session under them, inside the server node. */
  async function killServer(): Promise<number[]> {
    const pids = await listeners();
    const script = 'kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; kill -KILL "$c"; done; }; for p; do kill_tree "$p"; kill -KILL "$p"; done';
    await lab.serverNode.exec(['sh', '-c', script, 'kill-server', ...pids.map(String)]);
    return pids;
  }

  /** The firewall forwards at 1 Mbit/s each way: a 256 KiB RETR or 128 KiB STOR takes a second or two. */
  async function slowFirewall(on: boolean): Promise<void> {
    for (const dev of ['lan0', 'wan0']) {
      const argv = on ? ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', '1mbit', 'burst', '16kb', 'latency', '500ms'] : ['tc', 'qdisc', 'del', 'dev', dev, 'root'];
      const r = await lab.rulesetNode.exec(argv);
      expect(r.code, r.stderr).toBe(0);
    }
  }

  const cell = (mode: Mode, command: FtpCommand) => ({
    suite: 'faults', topology: 'routed', ruleset: 'nft-helper', mode, command, ...DEFAULT_DIMENSIONS, expected: 'pass' as const,
  });
  const run = (mode: Mode, command: FtpCommand) =>
    investigateCell(lab, cell(mode, command), { scenario: 'transfer', mode, command }, ruleset, json);

  for (const [mode, command, dataPort] of [['PASV', 'RETR', /:500(0\d|10)\s/], ['PORT', 'STOR', /:20\s/]] as const) {
    test(`${mode} ${command}: error server-died, never blocked; the next cell finds the server started again`, async () => {
      await slowFirewall(true);
      const t0 = Date.now();
      let done = false;
      const running = run(mode, command).finally(() => (done = true));
      // Mid-flight: the data connection is up on the server's side, and the transfer goes on.
      await expect.poll(async () => (await lab.serverNode.exec(['ss', '-Htn', 'state', 'established'])).stdout.split('\n').some((l) => dataPort.test(l)), { intervals: [10] }).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(done, 'the transfer must still be running when the server is killed').toBe(false);
      const killed = await killServer();
      const killedAt = Date.now() - t0;
      const { result, observation } = await running;
      const decidedIn = Date.now() - t0 - killedAt;

      expect(observation.outcome).toBe('error');
      expect(result.verdict).toBe('inconclusive');
      expect(causeCode(result.cause)).toBe('server-died');
      // The kill reaches vsftpd's processes one by one: a session child that outlives its
      // privileged parent for a moment answers `500 OOPS: priv_sock_get_cmd` (server-error).
      expect(result.cause).toMatch(new RegExp(`^server-died: the FTP server's process ended during the cell: vsftpd \\(pid (${killed.join('|')}) in node server, port (21|990)\\) killed by SIGKILL; the probe saw (probe-error|server-error): transfer: `));
      test.info().annotations.push({ type: 'fault', description: `${mode} ${command}: killed ${killedAt} ms into the cell, decided ${decidedIn} ms later: ${result.cause}` });

      // The next cell: the lab starts the server again, says so, and the transfer passes.
      await slowFirewall(false);
      const next = await run(mode, command);
      expect(next.observation.cause).toBeNull();
      expect(next.observation.outcome).toBe('pass');
      expect(next.observation.transcript[0]).toMatch(/^# the FTP server had died \(vsftpd \(pid \d+ in node server, port (21|990)\) killed by SIGKILL\); started again before this cell$/);
      const now = await listeners();
      expect(now.filter((p) => killed.includes(p))).toEqual([]);
      expect(await listeningPorts()).toEqual(['21', '990']);
    });
  }
});

// 3. A drop the trace cannot see (a chain before the observer's): the control experiment runs the
//    cell again with the rule set's filtering taken out; it passes, so the cell is blocked.
test.describe('a drop before the observer', () => {
  test('the control experiment calls it blocked, and the next cell finds the rule set whole again', async () => {
    test.setTimeout(60_000);
    await using lab = await Lab.up(await loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`), driverFor('netns'), { logsDir: join(scratch(), 'evidence') });
    const ruleset = await loadRuleset('test/fixtures/rulesets/before-the-observer.nft');
    const json = join(scratch(), 'results.json');
    const meta = { suite: 'faults', topology: 'routed', ruleset: 'before-the-observer', mode: 'PASV' as Mode, command: 'RETR' as FtpCommand, ...DEFAULT_DIMENSIONS, kind: 'transfer' as const, probe: 'transfer' as const, expected: 'blocked' as const };
    const first = await investigateCell(lab, meta, { scenario: 'transfer', mode: 'PASV', command: 'RETR' }, ruleset, json);
    expect(first.observation.outcome).toBe('blocked');
    expect(first.observation.cause).toMatch(/^filtered-unseen: login failed after "USER anonymous" \(no progress within \d+ ms\); the same cell passes with the rule set's drops and rejects taken out/);
    expect(first.observation.transcript.at(-1)).toBe('# control experiment: run again with the filtering taken out: passed');
    // The control run took the rule set's drop out; the next cell of this rule set has it back.
    const without = await lab.rulesetNode.exec(['nft', 'list', 'chain', 'inet', 'early', 'pre']);
    expect(without.stdout).not.toContain('drop');
    await lab.openCell(ruleset);
    const again = await lab.rulesetNode.exec(['nft', 'list', 'chain', 'inet', 'early', 'pre']);
    expect(again.stdout).toContain('drop');
  });
});

test.describe('a server node that cannot start', () => {
  test('Lab.up: node-start-failed naming the node, with the server\'s own words kept in a log', async () => {
    const logs = join(scratch(), 'evidence');
    const t0 = Date.now();
    const err = await Lab.up(await loadTopology(PORT_990), driverFor('netns'), { logsDir: logs }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = Date.now() - t0;
    expect(err).toBeInstanceOf(LabStartError);
    expect((err as LabStartError).message).toBe(START_FAILED(logs));
    expect((err as LabStartError).exitCode).toBe(3);
    const log = readFileSync((err as LabStartError).logFile, 'utf8');
    expect(log).toContain('# its output (stdout and stderr)\n500 OOPS: could not bind listening IPv4 socket\n');
    // The config, which lived in the node that is gone now.
    expect(log).toMatch(/# config \S+vsftpd-implicit\.conf\n(.*\n)*listen_port=990\n(.*\n)*implicit_ssl=YES/);
    test.info().annotations.push({ type: 'fault', description: `bring-up failed in ${ms} ms` });
  });

  test('pinhole explore: exit 3, one line naming the node and the log', async () => {
    const dir = scratch();
    const r = spawnSync(process.execPath, ['harness/cli/pinhole.mjs', 'explore', '--topology', PORT_990, '--ruleset', 'suites/ftp-stateful/rulesets/nft-helper.nft', '--json', join(dir, 'results.json')], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toBe(`pinhole: ${START_FAILED(join(dir, 'evidence'))}\n`);
  });

  test('suite cells (pinhole run\'s reporter): every cell error, inconclusive, with that cause in JSON, JUnit and the matrix', async () => {
    const dir = scratch();
    const json = join(dir, 'results.json');
    const junit = join(dir, 'junit.xml');
    writeFileSync(
      join(dir, 'faults.spec.ts'),
      [
        `import { defineTruthTable } from ${JSON.stringify(resolve('harness/suite/suite-kit.ts'))};`,
        'defineTruthTable({',
        `  suite: 'faults', suiteDir: ${JSON.stringify(resolve('suites/ftp-stateful'))}, topology: ${JSON.stringify(PORT_990)},`,
        "  modes: ['PORT', 'PASV'], commands: ['RETR'], rows: [['rulesets/nft-helper.nft', ['pass', 'pass']]],",
        '});',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'playwright.config.ts'),
      [
        "import { defineConfig } from '@playwright/test';",
        'export default defineConfig({',
        "  testDir: '.', workers: 1, outputDir: './out',",
        `  reporter: [[${JSON.stringify(resolve('harness/report/pinhole-reporter.ts'))}, { json: ${JSON.stringify(json)}, junit: ${JSON.stringify(junit)}, driver: 'netns' }]] as never,`,
        '});',
        '',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', join(dir, 'playwright.config.ts')], {
      encoding: 'utf8',
      // The run's configuration as `pinhole run` hands it on: where the reports (and evidence) go.
      env: { ...process.env, CI: '1', NO_COLOR: '1', [RUN_CONFIG_ENV]: encodeRunConfig(runConfigOf({ driver: 'netns', reports: { json, junit, html: join(dir, 'html') } })) },
    });
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(report.results.map((c) => [c.mode, c.observed, c.verdict, c.cause, c.evidence]), r.stdout + r.stderr).toEqual(
      ['PORT', 'PASV'].map((mode) => [mode, 'error', 'inconclusive', START_FAILED(join(dir, 'evidence')), 'evidence/lab-control-port-990']),
    );
    expect(readFileSync(junit, 'utf8')).toMatch(/<error [^>]*node-start-failed: node server: vsftpd/);
    expect(r.stdout).toMatch(/2\/2 cells in \d+ s, 2 inconclusive/);
    expect(r.stdout).toContain('node-start-failed: node server:');
    // Not a harness error with a stack: the cells observed something, and it is said once per cell.
    expect(r.stdout).not.toContain('harness error');
    expect(r.stdout).not.toMatch(/\n\s+at /);
  });
});
