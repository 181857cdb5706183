// Tests OF the harness: unit tests, reporters, the drivers and the CLI end to end.
// The docker project runs after the netns one and one test at a time: Docker networks of two
// topologies with the same subnets cannot coexist, and Docker rewrites the host's iptables
// while it creates networks, which must not overlap the netns "host untouched" checks.
import { defineConfig } from '@playwright/test';
import type { DriverName } from '../harness/model.ts';

export default defineConfig<{ driverName: DriverName }>({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // The one full default run of the tests, made before any of them (test/support/default-run.ts).
  globalSetup: './global-setup.ts',
  // Driver and CLI tests create namespaces and run real FTP; two workers match the 2-core machine.
  workers: 2,
  timeout: 180_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: '../test-results/harness-tests.json' }]] : 'list',
  outputDir: '../test-results/harness',
  projects: [
    { name: 'netns', testIgnore: /docker-.*\.spec\.ts/, use: { driverName: 'netns' } },
    {
      name: 'docker',
      testMatch: /(driver-contract|docker-.*|ftp-servers)\.spec\.ts/,
      use: { driverName: 'docker' },
      dependencies: ['netns'],
      workers: 1,
    },
  ],
});
