// Tests OF the harness: unit tests, reporters, the drivers and the CLI end to end.
//
// On two cores, what runs at once is chosen (issue 14: three full runs at once on two cores
// timed out):
//   - the one full default run, before any test (global-setup.ts), alone;
//   - then two lanes of heavy tests, one test of each at a time: `netns-runs` (tests that keep
//     both cores busy: several labs or several pinhole processes at once) beside `netns-labs`
//     (tests of one lab or one pinhole command at a time); the unit tests once a lane is done
//     (about 2 minutes). A third worker for them beside the lanes ended the whole 45 s sooner,
//     but slowed a 32-cell run beside it from 30 s to over 45: not worth tests that fail on load;
//   - the docker project last, one test at a time: Docker networks of two topologies with the
//     same subnets cannot coexist, and Docker rewrites the host's iptables while it creates
//     networks, which must not overlap another test's host snapshots.
// Timeouts are per project, and per test where a test does more (about three times what it
// takes on a busy two-core machine).
import { defineConfig } from '@playwright/test';
import type { DriverName } from '../harness/model.ts';

/** Several labs or pinhole processes at once: two of these together would overload two cores. */
const RUNS = /(^|\/)(concurrent-runs|library|shard|bad-input|check|frontend-check)\.spec\.ts$/;
/** One lab, or one pinhole command, at a time. */
const LABS = /(^|\/)(cli|ci-outputs|flags|outcome|interrupt|faults|netns-driver|driver-contract|ftp-servers|safety|packet-capture)\.spec\.ts$/;
const DOCKER = /(^|\/)docker-.*\.spec\.ts$/;

export default defineConfig<{ driverName: DriverName }>({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // The one full default run of the tests, made before any of them (test/support/default-run.ts).
  globalSetup: './global-setup.ts',
  workers: 2,
  // Unit tests take milliseconds to a few seconds (the reporter test starts a Playwright run).
  timeout: 30_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: '../test-results/harness-tests.json' }]] : 'list',
  outputDir: '../test-results/harness',
  projects: [
    // Listed first so that both lanes start at once; the unit tests fill in beside them.
    { name: 'netns-runs', testMatch: RUNS, use: { driverName: 'netns' }, workers: 1, timeout: 60_000 },
    { name: 'netns-labs', testMatch: LABS, use: { driverName: 'netns' }, workers: 1, timeout: 60_000 },
    { name: 'netns', testIgnore: [RUNS, LABS, DOCKER], use: { driverName: 'netns' } },
    {
      name: 'docker',
      testMatch: /(^|\/)(driver-contract|docker-.*|ftp-servers)\.spec\.ts$/,
      use: { driverName: 'docker' },
      dependencies: ['netns-runs', 'netns-labs', 'netns'],
      workers: 1,
      timeout: 120_000,
    },
  ],
});
