// pinhole's Playwright reporter alone on the terminal, as `pinhole run` has it: progress lines,
// worker output passed through, the full error of a cell whose test threw, then the matrix.
// A throw-away Playwright project with fake cells, so no lab is needed.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DIMENSIONS, type RunReport } from '../../harness/cell-contract.ts';

const PLAYWRIGHT_CLI = fileURLToPath(import.meta.resolve('@playwright/test/cli'));
const REPORTER = resolve('harness/report/pinhole-reporter.ts');

const meta = (mode: string) => ({ suite: 'fake', topology: 'none', ruleset: 'rs', mode, command: 'RETR', ...DEFAULT_DIMENSIONS, kind: 'transfer', expected: 'pass' });

test('plain progress, worker output, a harness error in full, the matrix; PINHOLE_VERBOSE adds the list reporter', async () => {
  // Under test-results/ so the spec resolves @playwright/test from the repository's node_modules.
  mkdirSync('test-results', { recursive: true });
  const dir = mkdtempSync(join(resolve('test-results'), 'reporter-'));
  const json = join(dir, 'results.json');
  writeFileSync(
    join(dir, 'fake.spec.ts'),
    [
      "import { test } from '@playwright/test';",
      `test('PORT RETR', { annotation: { type: 'pinhole-cell', description: ${JSON.stringify(JSON.stringify(meta('PORT')))} } }, () => {`,
      "  console.log('a line from the worker');",
      "  throw new Error('the lab did not come up: deliberately');",
      '});',
      `test('PASV RETR', { annotation: { type: 'pinhole-cell', description: ${JSON.stringify(JSON.stringify(meta('PASV')))} } }, () => {});`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'playwright.config.ts'),
    [
      "import { defineConfig } from '@playwright/test';",
      'export default defineConfig({',
      "  testDir: '.', workers: 1, outputDir: './out',",
      `  reporter: [...(process.env.PINHOLE_VERBOSE ? [['list']] : []), [${JSON.stringify(REPORTER)}, { json: ${JSON.stringify(json)}, junit: ${JSON.stringify(join(dir, 'junit.xml'))}, driver: 'netns', verbose: Boolean(process.env.PINHOLE_VERBOSE) }]] as never,`,
      '});',
      '',
    ].join('\n'),
  );
  const playwright = (env: Record<string, string>) =>
    spawnSync(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', join(dir, 'playwright.config.ts')], { encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1', ...env } });

  const r = playwright({});
  const out = r.stdout;
  expect(out.split('\n')[0], out + r.stderr).toBe('pinhole: running 2 cells on 1 worker');
  expect(out).toContain('pinhole: 1/2 cells (50%), ');
  expect(out).toContain('a line from the worker');
  expect(out).toMatch(/^pinhole: 2\/2 cells in \d+ s, 2 inconclusive$/m);
  // The error in full, with its stack, under the cell's name; and before the matrix.
  expect(out).toMatch(/harness error \(the test threw before observing anything\) in fake › rs › PORT RETR\n {4}Error: the lab did not come up: deliberately\n {4}\s*at .*fake\.spec\.ts:4:/);
  expect(out.indexOf('harness error')).toBeLessThan(out.indexOf('fake on none'));
  // Playwright's own per-test lines are gone: pinhole's lines are the only ones.
  expect(out).not.toMatch(/✘|Running 2 tests/);
  // Once: in the harness error block (the matrix's detail line has its first line only).
  expect(out.match(/deliberately\n {4}\s*at /g)).toHaveLength(1);
  expect(r.stderr).not.toContain('deliberately');
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  expect(report.results.find((c) => c.mode === 'PORT')?.cause).toBe('harness-error: Error: the lab did not come up: deliberately');

  const verbose = playwright({ PINHOLE_VERBOSE: '1' });
  expect(verbose.stdout).toMatch(/Running 2 tests using 1 worker/);
  expect(verbose.stdout).toMatch(/✘ +1 .*PORT RETR/);
  // Said once, by the list reporter: pinhole's own harness-error block would say it again. (The
  // message also shows in the list reporter's code frame and in the matrix's cause: not errors.)
  expect(verbose.stdout.match(/^\s*Error: the lab did not come up: deliberately$/gm), verbose.stdout).toHaveLength(1);
  expect(verbose.stdout).not.toContain('harness error (the test threw');
  expect(verbose.stdout).toContain('fake on none');
});
