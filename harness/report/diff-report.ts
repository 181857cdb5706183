/**
 * The JSON report of `pinhole diff` (README "pinhole diff"): both runs in the JSON contract's
 * row format, and the cells whose observed outcome changed. Rows are sorted as in a run report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CellChange, RunDiff } from '../diff-runs.ts';
import type { DriverName } from '../model.ts';
import type { CellResult, RulesetCoverage } from '../cell-contract.ts';
import { coverageOf } from './coverage.ts';
import { compareCells } from './json-report.ts';

export interface DiffSide {
  /** The rule set file as given on the command line. */
  ruleset: string;
  results: CellResult[];
  /** Its rule coverage (harness/report/coverage.ts): which rules its cells reached. */
  coverage?: RulesetCoverage[];
}

export interface DiffReport {
  version: 1;
  driver: DriverName;
  topology: string;
  old: DiffSide;
  /** Judged against OLD: `expected` is `pass` where OLD passed, null elsewhere. */
  new: DiffSide;
  changed: CellChange[];
  regressions: number;
}

export function buildDiffReport(
  driver: DriverName,
  topology: string,
  old: { ruleset: string; results: readonly CellResult[] },
  next: { ruleset: string },
  diff: RunDiff,
): DiffReport {
  const sorted = (cells: readonly CellResult[]) => [...cells].sort(compareCells);
  const side = (ruleset: string, cells: readonly CellResult[]): DiffSide => {
    const coverage = coverageOf(cells);
    return { ruleset, results: sorted(cells), ...(coverage.length > 0 ? { coverage } : {}) };
  };
  return {
    version: 1,
    driver,
    topology,
    old: side(old.ruleset, old.results),
    new: side(next.ruleset, diff.judged),
    changed: diff.changes,
    regressions: diff.regressions,
  };
}

export function writeDiffReport(file: string, report: DiffReport): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
}
