// Two runs at once on one machine (netns) give the same verdict and the same cause in every
// cell: neither run's start-up clean removes the other's live namespaces, labs of the same
// topology in separate namespaces cannot see each other, and each run's evidence stays beside
// its own JSON report. A part of the default run (--grep) is enough for that, and affordable:
// two whole runs at once took two cores for minutes (issue 14).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { causeCode } from '../../harness/model.ts';
import type { RunReport } from '../../harness/cell-contract.ts';
import { expect, test } from '../support/driver-test.ts';
import { scratchDir } from '../support/scratch-dir.ts';

test.skip(({ driverName }) => driverName !== 'netns', 'two docker runs at once: test/drivers/docker/docker-subnet-lease.spec.ts');

/**
 * 56 cells on two labs per run (ftp-stateful on routed, ftp-ipv6 on routed-dualstack), so each
 * run's two workers bring up the same two topologies as the other's at the same time; passes
 * and blocked transfers over IPv4 and IPv6.
 */
const GREP = '(ftp-stateful|ftp-ipv6).* (nft-helper|no-helper|inet-helper|inet-no-helper)\\.nft ';
const PART_CELLS = 56;
/** Two such runs at once take about 30 s on two otherwise idle cores; three times that at most. */
const RUN_TIMEOUT_MS = 90_000;

// Every cell's evidence, pcaps included, is a few MB a run: not left in /tmp (scratch-dir.ts).
const reportDirs = [scratchDir('pinhole-concurrent-a-'), scratchDir('pinhole-concurrent-b-')] as const;

function pinholeRun(dir: string): Promise<{ code: number | null; output: string; report: () => RunReport }> {
  const json = join(dir, 'results.json');
  // Evidence for every cell (not only the non-compliant ones, the default): it is what must stay apart.
  const argv = ['harness/cli/pinhole.mjs', 'run', '--grep', GREP, '--evidence', 'all', '--json', json, '--junit', join(dir, 'junit.xml'), '--html', join(dir, 'html')];
  const child = spawn(process.execPath, argv, { env: { ...process.env, NO_COLOR: '1', CI: '1' }, timeout: RUN_TIMEOUT_MS });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output, report: () => JSON.parse(readFileSync(json, 'utf8')) as RunReport })));
}

test('two runs at once: both exit 0 with the same verdicts and causes, each with its own evidence', async () => {
  test.setTimeout(RUN_TIMEOUT_MS + 30_000);
  const dirs = reportDirs.map((dir) => dir());
  const started = Date.now();
  const [a, b] = await Promise.all(dirs.map(pinholeRun));
  test.info().annotations.push({ type: 'two concurrent runs took', description: `${((Date.now() - started) / 1000).toFixed(0)} s` });
  expect(a!.code, a!.output.slice(-3000)).toBe(0);
  expect(b!.code, b!.output.slice(-3000)).toBe(0);
  const reports = [a!.report(), b!.report()];
  for (const r of reports) expect(r.results).toHaveLength(PART_CELLS);
  // Not a trivial part: both outcomes, and both families.
  expect(new Set(reports[0]!.results.map((c) => c.observed))).toEqual(new Set(['pass', 'blocked']));
  expect(new Set(reports[0]!.results.map((c) => c.family))).toEqual(new Set(['ipv4', 'ipv6']));
  const observed = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, c.observed]));
  const codes = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, causeCode(c.cause) ?? null]));
  expect(observed(reports[1]!)).toEqual(observed(reports[0]!));
  expect(codes(reports[1]!)).toEqual(codes(reports[0]!));

  // Each cell that kept evidence finds it beside its own report, naming that cell and what that run observed.
  reports.forEach((r, i) => {
    const kept = r.results.filter((c) => c.evidence);
    expect(kept.length, `run ${i} kept evidence for every cell (--evidence all)`).toBe(PART_CELLS);
    for (const c of kept) {
      const summary = join(dirs[i]!, c.evidence!, 'summary.txt');
      expect(existsSync(summary), summary).toBe(true);
      const text = readFileSync(summary, 'utf8');
      expect(text).toContain(`cell: ${c.id}\n`);
      expect(text).toContain(`observed: ${c.observed}\n`);
    }
  });
});
