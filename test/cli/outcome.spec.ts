// Playwright's outcome is pinhole's verdict: a violating cell is a failed test in Playwright's
// own json and junit reporters, without a worker restart; a spec file that does not load, and
// a worker that leaves resources behind, fail the command. Each through the runner `pinhole run`
// and `check` share (runCells), on the configuration and specs in test/fixtures/runner/.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '../../harness/paths.ts';
import type { RunReport } from '../../harness/cell-contract.ts';
import { scratchDir } from '../support/scratch-dir.ts';

const out = scratchDir('pinhole-outcome-test-');
/** Four cells on one lab take 5-10 s, three times that on a busy two-core machine. */
test.describe.configure({ timeout: 120_000 });

interface PlaywrightJson {
  suites: Array<{ specs: unknown[]; suites?: PlaywrightJson['suites'] }>;
  errors: Array<{ message: string }>;
}
interface Spec {
  title: string;
  tests: Array<{ status: string; results: Array<{ workerIndex: number; status: string }> }>;
}

function runFixture(specs: string) {
  const dir = out();
  const files = { json: join(dir, 'results.json'), junit: join(dir, 'junit.xml'), html: join(dir, 'html'), pwJson: join(dir, 'playwright.json'), pwJunit: join(dir, 'playwright-junit.xml') };
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/runner/run-cells.ts', files.json, files.junit, files.html], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 100_000,
    env: { ...process.env, NO_COLOR: '1', CI: '1', FIXTURE_SPECS: specs, FIXTURE_PLAYWRIGHT_JSON: files.pwJson, FIXTURE_PLAYWRIGHT_JUNIT: files.pwJunit },
  });
  return { code: r.status, output: r.stdout + r.stderr, files };
}

function specsOf(report: PlaywrightJson): Spec[] {
  const walk = (suites: PlaywrightJson['suites']): Spec[] => suites.flatMap((s) => [...(s.specs as Spec[]), ...walk(s.suites ?? [])]);
  return walk(report.suites);
}

test('a violating cell is a failed test in Playwright\'s own reporters, and its worker carries on', () => {
  const r = runFixture('verdicts.cells.ts');
  expect(r.code, r.output).toBe(1);
  const verdicts = (JSON.parse(readFileSync(r.files.json, 'utf8')) as RunReport).results.map((c) => `${c.mode} ${c.verdict}`);
  expect(verdicts).toEqual(['PORT violation', 'EPRT compliant', 'PASV compliant', 'EPSV violation']);

  const playwright = JSON.parse(readFileSync(r.files.pwJson, 'utf8')) as PlaywrightJson;
  const specs = specsOf(playwright);
  // `unexpected` is Playwright's word for a failed test; no cell is an "expected failure".
  expect(specs.map((s) => `${s.title} ${s.tests[0]!.status}`)).toEqual(['PORT RETR unexpected', 'EPRT RETR expected', 'PASV RETR expected', 'EPSV RETR unexpected']);
  // One worker ran all four: the violations did not cost a new worker and a new lab.
  expect(new Set(specs.map((s) => s.tests[0]!.results[0]!.workerIndex))).toEqual(new Set([0]));

  const junit = readFileSync(r.files.pwJunit, 'utf8');
  expect(junit).toMatch(/<testsuites [^>]*tests="4"[^>]*failures="2"/);
});

test('a spec file that does not load fails the command', () => {
  const r = runFixture('throws-at-load.cells.ts,compliant.cells.ts');
  expect(r.code, r.output).toBe(1);
  // Playwright runs nothing when a file does not load; pinhole says so and fails.
  expect(r.output).toContain('pinhole: error outside any cell:');
  expect(r.output).toContain('fixture: this spec file does not load');
  expect(r.output).toContain('pinhole: no cell ran');
});

test('an error outside any cell fails the command, though every cell is compliant', () => {
  const r = runFixture('throws-after-all.cells.ts');
  expect(r.code, r.output).toBe(1);
  expect(r.output).toContain('fixture: a hook failed after the cells');
  expect(r.output).toContain('pinhole: Playwright failed the run outside the cells');
  expect((JSON.parse(readFileSync(r.files.json, 'utf8')) as RunReport).results.map((c) => c.verdict)).toEqual(['compliant']);
});

test('a worker that leaves a run behind fails the command; the run is removed', () => {
  const r = runFixture('leaves-a-run.cells.ts,compliant.cells.ts');
  expect(r.code, r.output).toBe(1);
  expect(r.output).toMatch(/pinhole: a worker left a run behind \([0-9a-f]+\); removed 1 run directory: a fault of the run, which fails/);
  expect((JSON.parse(readFileSync(r.files.json, 'utf8')) as RunReport).results.map((c) => c.verdict)).toEqual(['compliant']);
});
