/**
 * `pinhole run`: the built-in suites through Playwright Test. Inputs are validated and the host
 * checked first; Playwright runs as a child process; afterwards anything a crashed or
 * interrupted worker left behind is removed, and the exit code comes from the verdicts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driverFor } from '../drivers/registry.ts';
import { SUITES_DIR, TOPOLOGIES_DIR } from '../paths.ts';
import { readJsonReport } from '../report/json-report.ts';
import { exitCodeFor } from '../verdict.ts';
import { htmlReportFile } from '../report/html-report.ts';
import { requireHost } from './host-check.ts';
import { filesUnder, validateInputs } from './validate-inputs.ts';

export interface RunOptions {
  driver: string;
  json: string;
  junit: string;
  html: string;
  grep?: string;
  workers?: string;
}

const PLAYWRIGHT_CLI = fileURLToPath(import.meta.resolve('@playwright/test/cli'));

export async function runCommand(opts: RunOptions): Promise<number> {
  const driver = driverFor(opts.driver);
  await requireHost(driver);
  await validateInputs(
    await filesUnder(TOPOLOGIES_DIR, ['.topo.yaml']),
    await filesUnder(SUITES_DIR, ['.nft', '.rules'], 'rulesets'),
  );
  // A previous run killed with SIGKILL may have left namespaces: the next run removes them.
  await driver.clean();

  const json = resolve(opts.json);
  const junit = resolve(opts.junit);
  const html = htmlReportFile(opts.html);
  // Playwright empties its output directory when it starts and copies attachments (evidence
  // files) into it while cells run: two runs at once on one checkout must not share one.
  const ownOutputDir = process.env.PINHOLE_OUTPUT_DIR ? undefined : await mkdtemp(join(tmpdir(), 'pinhole-run-'));
  const env = {
    ...process.env,
    ...(ownOutputDir ? { PINHOLE_OUTPUT_DIR: ownOutputDir } : {}),
    PINHOLE_DRIVER: driver.name,
    PINHOLE_JSON: json,
    PINHOLE_JUNIT: junit,
    PINHOLE_HTML: html,
    ...(opts.grep ? { PINHOLE_GREP: opts.grep } : {}),
    ...(opts.workers ? { PINHOLE_WORKERS: opts.workers } : {}),
  };
  const started = Date.now();
  const child = spawn(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', resolve(SUITES_DIR, 'playwright.config.ts')], { stdio: 'inherit', env });

  // Ctrl-C reaches Playwright directly (same process group) and it tears its workers down; a
  // SIGTERM sent to pinhole alone is passed on the same way. pinhole waits, then cleans.
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    child.kill('SIGINT');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await new Promise<number>((res) => child.on('exit', (c, s) => res(c ?? (s ? 128 : 1))));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (ownOutputDir) await rm(ownOutputDir, { recursive: true, force: true });
  const leftovers = await driver.clean();
  if (leftovers.length > 0) process.stderr.write(`pinhole: removed ${leftovers.length} leftover resources of this run\n`);

  if (interrupted) {
    process.stderr.write(`pinhole: interrupted by ${interrupted} after ${((Date.now() - started) / 1000).toFixed(1)} s; nothing is left behind\n`);
    return 130;
  }
  if (!existsSync(json)) {
    process.stderr.write(`pinhole: Playwright exited ${code} without writing ${json}\n`);
    return 1;
  }
  const report = readJsonReport(json);
  if (report.results.length === 0) {
    process.stderr.write(`pinhole: no cell ran${opts.grep ? ` (nothing matches --grep ${opts.grep})` : ''}\n`);
    return 1;
  }
  return exitCodeFor(report.results);
}
