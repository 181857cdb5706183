// Tests OF the harness: unit tests, reporters, the netns driver and the CLI end to end.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // Driver and CLI tests create namespaces and run real FTP; two workers match the 2-core machine.
  workers: 2,
  timeout: 120_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: '../test-results/harness-tests.json' }]] : 'list',
  outputDir: '../test-results/harness',
});
