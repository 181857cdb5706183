/**
 * `pinhole run`: the built-in suites through Playwright Test. Inputs are validated and the host
 * checked first; Playwright runs as a child process; afterwards anything a crashed or
 * interrupted worker left behind is removed, and the exit code comes from the verdicts.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driverFor } from '../drivers/registry.ts';
import { InputError } from '../errors.ts';
import { INSTALLED_AS_DEPENDENCY, SUITES_DIR, TOPOLOGIES_DIR } from '../paths.ts';
import { readJsonReport } from '../report/json-report.ts';
import { laddersFileFor } from '../report/merge-reports.ts';
import { exitCodeFor } from '../verdict.ts';
import { encodeRunConfig, type EvidencePolicy, RUN_CONFIG_ENV, runConfigOf } from '../run-config.ts';
import type { DriverName } from '../model.ts';
import { htmlReportFile } from '../report/html-report.ts';
import { nowDoing } from '../activity.ts';
import { waitFor } from '../exec.ts';
import { processesOfCommand, runsOfCommand } from '../run-state.ts';
import { requireHost } from './host-check.ts';
import { withInterruptScope } from './interrupt.ts';
import { describeRemoved } from './with-lab.ts';
import { type CiOptions, type FindingSources, publishFindings } from './ci-outputs.ts';
import { dirsUnder, filesUnder, validateInputs } from './validate-inputs.ts';
import { suiteFrontendConfig } from '../frontends/frontend-kinds.ts';

export interface RunOptions extends CiOptions {
  /** Default: PINHOLE_DRIVER, else netns (harness/run-config.ts). */
  driver?: DriverName;
  json: string;
  junit: string;
  html: string;
  grep?: string;
  workers?: string;
  /** `i/n`: this machine runs the i-th of n parts; `pinhole merge` joins their reports. */
  shard?: string;
  /** Which cells keep evidence files (harness/evidence/retention.ts); default failures. */
  evidence?: EvidencePolicy;
}

/** `--workers 3`. Playwright would take `0` or `1.5` and fail late with its own wording. */
export function parseWorkers(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw new InputError(`--workers: expected a positive whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** `--shard 2/3`: the second of three parts. */
export function parseShard(text: string): { current: number; total: number } {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text);
  const [current, total] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (current < 1 || current > total) throw new InputError(`--shard: expected i/n with 1 <= i <= n (e.g. 1/2), got ${JSON.stringify(text)}`);
  return { current, total };
}

/** Workers' own teardown of a lab takes well under a second; past this they are stuck and are cleaned up after. */
const WORKERS_GONE_MS = 3000;

const PLAYWRIGHT_CLI = fileURLToPath(import.meta.resolve('@playwright/test/cli'));
/**
 * Playwright compiles TypeScript outside node_modules only. Installed in a user's project, all
 * of pinhole is inside node_modules: its runner and workers load pinhole's sources through tsx,
 * as the pinhole command itself does (pinhole.mjs).
 */
const TSX_LOADER = import.meta.resolve('tsx/esm');

export async function runCommand(opts: RunOptions): Promise<number> {
  return runCells(opts, {
    config: resolve(SUITES_DIR, 'playwright.config.ts'),
    title: () => 'pinhole run',
    validate: async () => {
      // The suites' frontend configurations are rendered here, once: their cells read the
      // renderings back from pinhole's cache.
      const configs = (await dirsUnder(SUITES_DIR, 'configs')).flatMap((d) => {
        const c = suiteFrontendConfig(d);
        return c ? [{ file: c.config, frontend: c.kind }] : [];
      });
      await validateInputs(await filesUnder(TOPOLOGIES_DIR, ['.topo.yaml']), [...(await filesUnder(SUITES_DIR, ['.nft', '.rules'], 'rulesets')), ...configs]);
    },
  });
}

/**
 * What `run` and `check` share: usage checked, the host checked, the inputs validated (`validate`,
 * all problems at once), leftovers of a killed run removed, then Playwright on `config` with the
 * reports, workers, shard and evidence policy in its environment (and `env`), Ctrl-C handled,
 * and the exit code from the verdicts.
 */
export async function runCells(opts: RunOptions, how: { config: string; validate: () => Promise<void>; checkFile?: string; title: () => string } & FindingSources): Promise<number> {
  // Usage mistakes, told before the host is checked or anything starts.
  const workers = opts.workers === undefined ? undefined : parseWorkers(opts.workers);
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
  const json = resolve(opts.json);
  // The run's whole configuration, built here once from the flags and the documented environment
  // overrides; Playwright's configuration reads it back and hands it to the workers.
  const config = runConfigOf({
    driver: opts.driver,
    reports: {
      json,
      junit: resolve(opts.junit),
      html: htmlReportFile(opts.html),
      // A shard's HTML report holds only its own cells; the ladders it draws are kept beside the
      // JSON so `pinhole merge` can draw them for every cell (the JSON contract has no room for them).
      ...(shard ? { ladders: laddersFileFor(json) } : {}),
    },
    grep: opts.grep,
    workers,
    evidence: opts.evidence,
    checkFile: how.checkFile,
  });
  const driver = driverFor(config.driver);
  await requireHost(driver);
  await how.validate();
  // A previous run killed with SIGKILL may have left namespaces: the next run removes them.
  await driver.clean();

  // A ladders file from an earlier --shard run beside this JSON would lend its ladders to this
  // run's cells in `pinhole merge`; a shard writes a fresh one.
  await rm(laddersFileFor(json), { force: true });
  // An earlier run's report must never be read as this run's (check --update writes from it).
  await rm(json, { force: true });
  // Playwright empties its output directory when it starts and copies attachments (evidence
  // files) into it while cells run: two runs at once on one checkout must not share one.
  const ownOutputDir = await mkdtemp(join(tmpdir(), 'pinhole-run-'));
  const env = {
    ...process.env,
    ...(INSTALLED_AS_DEPENDENCY ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${TSX_LOADER}`.trim() } : {}),
    [RUN_CONFIG_ENV]: encodeRunConfig({ ...config, outputDir: ownOutputDir, title: how.title() }),
  };
  // Playwright's own sharding: it splits the spec files (one lab each) between the shards.
  const shardArgs = shard ? [`--shard=${shard.current}/${shard.total}`] : [];
  const child = spawn(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', how.config, ...shardArgs], { stdio: 'inherit', env });

  const exited = new Promise<number>((res) => child.on('exit', (c, s) => res(c ?? (s ? 128 : 1))));
  /*
   * Ctrl-C reaches Playwright directly (same process group) and it tears its workers and their
   * labs down; a SIGTERM sent to pinhole alone is passed on the same way. pinhole waits for it,
   * then removes whatever a worker it had to kill left behind.
   */
  const onInterrupt = async () => {
    child.kill('SIGINT');
    await exited;
    // A runner killed outright (SIGTERM to the whole group) leaves its workers tearing their
    // labs down on their own: wait for every process this command made to be gone first.
    const gone = async () => (await processesOfCommand(process.pid)).length === 0;
    await waitFor('the Playwright workers to exit', gone, { timeoutMs: WORKERS_GONE_MS, intervalMs: 50 }).catch(async () => {
      // Stuck: killed, so that their runs count as ended and the cleanup below removes them.
      for (const pid of await processesOfCommand(process.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await waitFor('killed workers to be gone', gone, { timeoutMs: 1000 }).catch(() => undefined);
    });
    // Every run of this command goes, its processes being gone or killed by now.
    const removed = await driver.clean({ command: process.pid });
    await rm(ownOutputDir, { recursive: true, force: true });
    // Playwright writes the cells observed so far unless it was killed outright.
    const written = existsSync(json) && statSync(json).mtimeMs >= started ? `; the cells observed so far are in ${json}` : '';
    return `Playwright stopped its workers; ${removed.length > 0 ? `${describeRemoved(removed)} they left` : 'they left nothing'}${written}`;
  };
  nowDoing(`running the cells on ${driver.name} (Playwright)`);
  const started = Date.now();
  // The cleanup after Playwright is inside the scope too: a signal that arrives just as
  // Playwright exits (it got the same Ctrl-C) still finds a cleanup to run, not none.
  const outcome = await withInterruptScope(onInterrupt, async () => {
    const exitCode = await exited;
    await rm(ownOutputDir, { recursive: true, force: true });
    // Playwright has exited, its workers with it: a run still claimed under this command is one
    // a worker failed to take down. Another command's leftovers are removed too, but not blamed.
    const left = await runsOfCommand(process.pid);
    const removed = await driver.clean({ command: process.pid });
    return { exitCode, left, removed };
  });
  const { exitCode: playwrightCode, left, removed } = outcome;
  if (left.length > 0) process.stderr.write(`pinhole: a worker left ${left.length === 1 ? 'a run' : `${left.length} runs`} behind (${left.join(', ')}); ${describeRemoved(removed)}: a fault of the run, which fails\n`);
  const faults = left.length > 0 ? 1 : 0;

  if (!existsSync(json)) {
    process.stderr.write(`pinhole: Playwright exited ${playwrightCode} without writing ${json}\n`);
    return 1;
  }
  const report = readJsonReport(json);
  if (report.results.length === 0 && shard) {
    // More shards than spec files leaves some empty; the merge still counts the whole run.
    process.stderr.write(`pinhole: shard ${shard.current}/${shard.total} has no cells\n`);
    return faults;
  }
  if (report.results.length === 0) {
    process.stderr.write(`pinhole: no cell ran${opts.grep ? ` (nothing matches --grep ${opts.grep})` : ''}\n`);
    return 1;
  }
  publishFindings(how.title(), report.results, [json, config.reports.junit, config.reports.html], opts, how);
  const verdicts = exitCodeFor(report.results);
  // Every cell is a test whose outcome is its verdict (harness/report/violation-outcome.ts), so
  // Playwright failing a run the verdicts pass means a failure outside any cell: a spec file that
  // did not load, a hook or a worker fixture that threw. Playwright printed it above.
  const outside = playwrightCode !== 0 && verdicts === 0;
  if (outside) process.stderr.write(`pinhole: Playwright failed the run outside the cells (exit ${playwrightCode}); its error is above\n`);
  return outside ? 1 : Math.max(verdicts, faults);
}
