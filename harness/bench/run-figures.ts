/**
 * Where a whole run's time goes, from its JSON report: the cells' own time against the wall
 * time the workers spent, and the median cell of each kind (issue: every kind within 3x of the
 * median probe cell).
 */
import type { CellResult } from '../cell-contract.ts';
import { median, sum } from './figures.ts';

export const BENCH_KINDS = ['probe', 'curl', 'lftp', 'pure-ftpd', 'proftpd', 'TLS', 'security'] as const;
export type BenchKind = (typeof BENCH_KINDS)[number];

/** A cell's kind for these figures: what makes it cost what it costs. */
export function benchKindOf(c: Pick<CellResult, 'kind' | 'tls' | 'clientKind' | 'serverKind'>): BenchKind {
  if (c.kind === 'security') return 'security';
  if (c.tls !== 'none') return 'TLS';
  if (c.clientKind === 'curl' || c.clientKind === 'lftp') return c.clientKind;
  if (c.serverKind === 'pure-ftpd' || c.serverKind === 'proftpd') return c.serverKind;
  return 'probe';
}

export interface RunFigures {
  cells: number;
  wallMs: number;
  cellMs: number;
  /** wall x workers / the cells' own time: 1 when workers do nothing but cells. */
  overhead: number;
  /**
   * The cells' tests as Playwright timed them (testMs): the client's time plus everything a cell
   * does around it (reset, rule set, explanation, evidence, a lab's bring-up on its first cell).
   * What wall x workers has beyond it ran outside any cell: start-up, worker start, teardown.
   */
  testMs: number;
  medians: Record<BenchKind, { median: number; cells: number }>;
}

export function runFigures(results: readonly CellResult[], wallMs: number, workers: number): RunFigures {
  const cellMs = sum(results.map((c) => c.durationMs));
  const medians = Object.fromEntries(
    BENCH_KINDS.map((k) => {
      const xs = results.filter((c) => benchKindOf(c) === k).map((c) => c.durationMs);
      return [k, { median: median(xs), cells: xs.length }];
    }),
  ) as RunFigures['medians'];
  const testMs = sum(results.map((c) => c.testMs ?? c.durationMs));
  return { cells: results.length, wallMs, cellMs, overhead: (wallMs * workers) / cellMs, testMs, medians };
}
