// Two full default runs at once on one machine (netns) give the same verdict and the same cause
// in every cell: neither run's start-up clean removes the other's live namespaces, labs in
// separate namespaces cannot see each other, and each run's evidence stays beside its own
// JSON report.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causeCode, type RunReport } from '../harness/model.ts';
import { DEFAULT_RUN_CELLS } from './support/default-run.ts';
import { expect, test } from './support/driver-test.ts';

test.skip(({ driverName }) => driverName !== 'netns', 'two docker runs at once: test/docker-subnet-lease.spec.ts');

/** Two default runs sharing two cores: about twice one run's 2 minutes. */
const RUN_TIMEOUT_MS = 900_000;

function pinholeRun(dir: string): Promise<{ code: number | null; output: string; report: () => RunReport }> {
  const json = join(dir, 'results.json');
  const argv = ['harness/cli/pinhole.mjs', 'run', '--json', json, '--junit', join(dir, 'junit.xml'), '--html', join(dir, 'html')];
  const child = spawn(process.execPath, argv, { env: { ...process.env, NO_COLOR: '1', CI: '1' }, timeout: RUN_TIMEOUT_MS });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output, report: () => JSON.parse(readFileSync(json, 'utf8')) as RunReport })));
}

test('two default runs at once: both exit 0 with the same verdicts and causes, each with its own evidence', async () => {
  test.setTimeout(RUN_TIMEOUT_MS + 60_000);
  const dirs = [mkdtempSync(join(tmpdir(), 'pinhole-concurrent-a-')), mkdtempSync(join(tmpdir(), 'pinhole-concurrent-b-'))] as const;
  const started = Date.now();
  const [a, b] = await Promise.all(dirs.map(pinholeRun));
  test.info().annotations.push({ type: 'two concurrent runs took', description: `${((Date.now() - started) / 1000).toFixed(0)} s` });
  expect(a!.code, a!.output.slice(-3000)).toBe(0);
  expect(b!.code, b!.output.slice(-3000)).toBe(0);
  const reports = [a!.report(), b!.report()];
  for (const r of reports) expect(r.results).toHaveLength(DEFAULT_RUN_CELLS);
  const observed = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, c.observed]));
  const codes = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, causeCode(c.cause) ?? null]));
  expect(observed(reports[1]!)).toEqual(observed(reports[0]!));
  expect(codes(reports[1]!)).toEqual(codes(reports[0]!));

  // Each cell that kept evidence finds it beside its own report, naming that cell and what that run observed.
  reports.forEach((r, i) => {
    const kept = r.results.filter((c) => c.evidence);
    expect(kept.length, `run ${i} kept evidence for some cells`).toBeGreaterThan(0);
    for (const c of kept) {
      const summary = join(dirs[i]!, c.evidence!, 'summary.txt');
      expect(existsSync(summary), summary).toBe(true);
      const text = readFileSync(summary, 'utf8');
      expect(text).toContain(`cell: ${c.id}\n`);
      expect(text).toContain(`observed: ${c.observed}\n`);
    }
  });
});
