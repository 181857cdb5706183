// The built-in compliance suites, run by `pinhole run`. Each spec file brings up its topology
// once per worker; cells inside a file run in order on that lab.
import { defineConfig } from '@playwright/test';

// pinhole's reporter alone prints: a progress line (plain lines in CI), then the matrix, and
// the full error of any cell whose test itself threw. Playwright's `list` as well would print a
// line per cell into the status line; PINHOLE_VERBOSE=1 asks for it all the same.
const verbose = Boolean(process.env.PINHOLE_VERBOSE) && process.env.PINHOLE_VERBOSE !== '0';
const reporters: Array<[string, Record<string, unknown>?]> = [
  ...(verbose ? [['list'] as [string]] : []),
  [
    '../harness/report/pinhole-reporter.ts',
    {
      json: process.env.PINHOLE_JSON ?? 'reports/results.json',
      junit: process.env.PINHOLE_JUNIT ?? 'reports/junit.xml',
      html: process.env.PINHOLE_HTML ?? 'reports/html/index.html',
      driver: process.env.PINHOLE_DRIVER ?? 'netns',
      // `pinhole run --shard`: the ladders too, for `pinhole merge` to draw.
      ladders: process.env.PINHOLE_LADDERS,
      verbose,
    },
  ],
];

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  // Spec files (one lab each) run in parallel: two workers on the netns driver, where labs are
  // namespaces that cannot see each other. One on docker: Docker refuses two networks with the
  // same subnet, and the catalogue's topologies share subnets.
  workers: Number(process.env.PINHOLE_WORKERS ?? (process.env.PINHOLE_DRIVER === 'docker' ? 1 : 2)),
  // A cell costs milliseconds; this only bounds a wedged cell, whose probe has its own deadline.
  timeout: 30_000,
  retries: 0,
  reporter: reporters as never,
  outputDir: process.env.PINHOLE_OUTPUT_DIR ?? '../test-results/suites',
  ...(process.env.PINHOLE_GREP ? { grep: new RegExp(process.env.PINHOLE_GREP) } : {}),
  // Known-bad rule sets (attacks that get through, reported as violations) run only when asked for.
  ...(/known-bad/.test(process.env.PINHOLE_GREP ?? '') ? {} : { grepInvert: /@known-bad/ }),
});
