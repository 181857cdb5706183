/**
 * Runs shell-baseline.sh (the naive, selftest-style check: hand-made namespaces, vsftpd, nft -f,
 * curl with a fixed timeout per cell) and reads back its measurements.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';

export interface BaselineCell {
  ruleset: string;
  mode: string;
  command: string;
  outcome: 'pass' | 'blocked';
  /** Rule set applied (conntrack flushed, nft -f) plus curl. */
  totalMs: number;
  applyMs: number;
  curlMs: number;
  exit: number;
}

export interface BaselineFigures {
  setupMs: number;
  teardownMs: number;
  cells: BaselineCell[];
  /** curl's own average download speed of 100 MiB, per round, by rule set name. */
  throughput: Map<string, number[]>;
  /** The script's whole wall-clock time, bring-up and teardown included. */
  wallMs: number;
}

const SCRIPT = join(REPO_ROOT, 'harness/bench/shell-baseline.sh');

export function runShellBaseline(): BaselineFigures {
  const t0 = performance.now();
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`shell baseline exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  const figures: BaselineFigures = { setupMs: NaN, teardownMs: NaN, cells: [], throughput: new Map(), wallMs };
  for (const line of r.stdout.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0] === 'setup') figures.setupMs = Number(w[1]);
    else if (w[0] === 'teardown') figures.teardownMs = Number(w[1]);
    else if (w[0] === 'cell' && w.length === 13) {
      figures.cells.push({
        ruleset: w[1]!,
        mode: w[2]!,
        command: w[3]!,
        outcome: w[4] === 'pass' ? 'pass' : 'blocked',
        totalMs: Number(w[6]),
        applyMs: Number(w[8]),
        curlMs: Number(w[10]),
        exit: Number(w[12]),
      });
    } else if (w[0] === 'throughput') {
      const list = figures.throughput.get(w[1]!) ?? [];
      list.push(Number(w[4]));
      figures.throughput.set(w[1]!, list);
    }
  }
  return figures;
}
