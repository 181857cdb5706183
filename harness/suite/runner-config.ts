/**
 * The Playwright configuration `pinhole run` (suites/playwright.config.ts) and `pinhole check`
 * (harness/check/playwright.config.ts) share, from the run's configuration the command handed on
 * (harness/run-config.ts): pinhole's reporter first and alone prints (a progress line, plain lines
 * in CI, then the matrix, and the full error of any cell whose test itself threw; Playwright's
 * `list` would print a line per cell into the status line, and PINHOLE_VERBOSE=1 asks for it all
 * the same); the reports where the command says; the configuration itself, to every worker, as
 * the `runConfig` option (harness/suite/fixtures.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';
import { runConfigFromEnvironment } from '../run-config.ts';
import type { PinholeWorkerOptions } from './fixtures.ts';

const REPORTER = fileURLToPath(new URL('../report/pinhole-reporter.ts', import.meta.url));

export function runnerConfig(own: Pick<PlaywrightTestConfig, 'testDir' | 'testMatch' | 'outputDir'>): PlaywrightTestConfig {
  const run = runConfigFromEnvironment();
  // pinhole's reporter first: it turns a violating cell back into the failed test it is before
  // any other reporter reads it (harness/report/violation-outcome.ts).
  const reporters: Array<[string, Record<string, unknown>?]> = [
    [REPORTER, { ...run.reports, driver: run.driver, verbose: run.verbose, ...(run.title ? { title: run.title } : {}) }],
    ...(run.verbose ? [['list'] as [string]] : []),
  ];
  return defineConfig<PinholeWorkerOptions>({
    ...own,
    fullyParallel: false,
    // Two workers on the netns driver, where labs are namespaces that cannot see each other. One
    // on docker: Docker refuses two networks with the same subnet, and topologies share subnets.
    workers: run.workers ?? (run.driver === 'docker' ? 1 : 2),
    // A cell costs milliseconds; this only bounds a wedged cell, whose probe has its own deadline.
    timeout: 30_000,
    retries: 0,
    reporter: reporters as never,
    use: { runConfig: run },
    ...(run.outputDir ? { outputDir: run.outputDir } : {}),
    ...(run.grep ? { grep: new RegExp(run.grep) } : {}),
    // Known-bad rule sets (attacks that get through, reported as violations) run only when asked for.
    ...(/known-bad/.test(run.grep ?? '') ? {} : { grepInvert: /@known-bad/ }),
  }) as PlaywrightTestConfig;
}
