/**
 * Compares two runs of the same cells (the same matrix through an old and a new rule set). Pure,
 * so the terminal, the JSON and JUnit reports and the exit code agree on the same changes.
 *
 * The new run is judged against the old one: a cell that passed with OLD is expected to pass with
 * NEW (so a pass -> blocked is a `violation` and a pass -> error `inconclusive`, as in any
 * judged run); a cell that did not pass with OLD has no expectation. A cell that starts passing
 * is an improvement, never a failure.
 */
import { type Outcome } from './model.ts';
import { variantOf, type CellResult } from './cell-contract.ts';
import { judge } from './verdict.ts';

/** regression: passed with OLD and does not with NEW. improvement: the reverse. other: blocked <-> error. */
export type ChangeKind = 'regression' | 'improvement' | 'other';

export interface CellChange {
  kind: ChangeKind;
  mode: CellResult['mode'];
  command: CellResult['command'];
  /** The cell's non-default dimensions (`ipv6`, `pure-ftpd`...), the same on both sides. */
  variant: string[];
  old: Outcome | null;
  new: Outcome | null;
  oldCause: string | null;
  newCause: string | null;
  oldId: string | null;
  newId: string;
}

export interface RunDiff {
  /** The NEW cells with their expectation from OLD and the resulting verdict. */
  judged: CellResult[];
  /** Cells whose observed outcome changed, in the NEW run's order. */
  changes: CellChange[];
  regressions: number;
}

/** The place of a cell in the matrix, whatever suite label or rule set it ran under. */
function slotOf(c: CellResult): string {
  return [c.mode, c.command, ...variantOf(c)].join(' ');
}

export function diffRuns(oldCells: readonly CellResult[], newCells: readonly CellResult[]): RunDiff {
  const before = new Map(oldCells.map((c) => [slotOf(c), c]));
  const judged: CellResult[] = [];
  const changes: CellChange[] = [];
  for (const cell of newCells) {
    const was = before.get(slotOf(cell));
    const expected = was?.observed === 'pass' ? 'pass' : null;
    judged.push({ ...cell, expected, verdict: judge(expected, cell.observed) });
    const old = was?.observed ?? null;
    if (old === cell.observed) continue;
    changes.push({
      kind: old === 'pass' ? 'regression' : cell.observed === 'pass' ? 'improvement' : 'other',
      mode: cell.mode,
      command: cell.command,
      variant: variantOf(cell),
      old,
      new: cell.observed,
      oldCause: was?.cause ?? null,
      newCause: cell.cause,
      oldId: was?.id ?? null,
      newId: cell.id,
    });
  }
  return { judged, changes, regressions: changes.filter((c) => c.kind === 'regression').length };
}
