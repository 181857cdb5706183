// A check file's cells (`pinhole check`), from check.spec.ts beside this file; what it shares
// with `pinhole run` (reporter, workers, timeouts) is in harness/suite/runner-config.ts.
import { runnerConfig } from '../suite/runner-config.ts';

export default runnerConfig({ testDir: '.', testMatch: 'check.spec.ts', outputDir: 'test-results/pinhole-check' });
