/**
 * The Playwright configuration `pinhole run` (suites/playwright.config.ts) and `pinhole check`
 * (harness/check/playwright.config.ts) share: pinhole's reporter alone prints (a progress line,
 * plain lines in CI, then the matrix, and the full error of any cell whose test itself threw;
 * Playwright's `list` would print a line per cell into the status line, and PINHOLE_VERBOSE=1
 * asks for it all the same); the reports where the command's environment says.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';

const REPORTER = fileURLToPath(new URL('../report/pinhole-reporter.ts', import.meta.url));

export function runnerConfig(own: Pick<PlaywrightTestConfig, 'testDir' | 'testMatch' | 'outputDir'>): PlaywrightTestConfig {
  const verbose = Boolean(process.env.PINHOLE_VERBOSE) && process.env.PINHOLE_VERBOSE !== '0';
  // pinhole's reporter first: it turns a violating cell back into the failed test it is before
  // any other reporter reads it (harness/report/violation-outcome.ts).
  const reporters: Array<[string, Record<string, unknown>?]> = [
    [
      REPORTER,
      {
        json: process.env.PINHOLE_JSON ?? 'reports/results.json',
        junit: process.env.PINHOLE_JUNIT ?? 'reports/junit.xml',
        html: process.env.PINHOLE_HTML ?? 'reports/html/index.html',
        driver: process.env.PINHOLE_DRIVER ?? 'netns',
        // `--shard`: the ladders too, for `pinhole merge` to draw.
        ladders: process.env.PINHOLE_LADDERS,
        verbose,
      },
    ],
    ...(verbose ? [['list'] as [string]] : []),
  ];
  return defineConfig({
    ...own,
    fullyParallel: false,
    // Two workers on the netns driver, where labs are namespaces that cannot see each other. One
    // on docker: Docker refuses two networks with the same subnet, and topologies share subnets.
    workers: Number(process.env.PINHOLE_WORKERS ?? (process.env.PINHOLE_DRIVER === 'docker' ? 1 : 2)),
    // A cell costs milliseconds; this only bounds a wedged cell, whose probe has its own deadline.
    timeout: 30_000,
    retries: 0,
    reporter: reporters as never,
    ...(process.env.PINHOLE_OUTPUT_DIR ? { outputDir: process.env.PINHOLE_OUTPUT_DIR } : {}),
    ...(process.env.PINHOLE_GREP ? { grep: new RegExp(process.env.PINHOLE_GREP) } : {}),
    // Known-bad rule sets (attacks that get through, reported as violations) run only when asked for.
    ...(/known-bad/.test(process.env.PINHOLE_GREP ?? '') ? {} : { grepInvert: /@known-bad/ }),
  });
}
