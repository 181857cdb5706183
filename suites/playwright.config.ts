// The built-in compliance suites, run by `pinhole run`. Each spec file brings up its topology
// once per worker; cells inside a file run in order on that lab. What `pinhole check` shares
// with this (reporter, workers, timeouts) is in harness/suite/runner-config.ts.
import { runnerConfig } from '../harness/suite/runner-config.ts';

export default runnerConfig({ testDir: '.', testMatch: '**/*.spec.ts', outputDir: '../test-results/suites' });
