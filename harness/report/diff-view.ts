/**
 * The terminal view of `pinhole diff`: one matrix with a row per rule set (OLD above NEW, so each
 * column compares itself), then the cells whose observed outcome changed, each with the cause
 * that explains it. Words carry the meaning; colour only adds emphasis.
 */
import type { CellChange, RunDiff } from '../diff-runs.ts';
import type { CellResult } from '../cell-contract.ts';
import { renderMatrix } from './matrix.ts';

export interface DiffSides {
  old: { ruleset: string; results: readonly CellResult[] };
  new: { ruleset: string; results: readonly CellResult[] };
}

const KIND_WIDTH = 'improvement'.length;
const COLOR: Record<CellChange['kind'], string | null> = { regression: '\x1b[31m', improvement: '\x1b[32m', other: null };

export function renderDiff(sides: DiffSides, diff: RunDiff, opts: { color: boolean }): string {
  // One table, whatever suite label each side ran under; `old`/`new` lead the row labels so two
  // files of the same name (or the same file twice) still get rows of their own.
  const row = (side: 'old' | 'new') => (c: CellResult): CellResult => ({ ...c, suite: 'diff', ruleset: `${side} ${sides[side].ruleset}` });
  // A changed cell is explained in the list below, with its cause: the matrix does not say it twice.
  const changed = new Set(diff.changes.flatMap((c) => [c.oldId, c.newId]));
  const matrix = renderMatrix([...sides.old.results.map(row('old')), ...sides.new.results.map(row('new'))], {
    ...opts,
    details: (c) => !changed.has(c.id),
  });
  const total = sides.new.results.length;
  if (diff.changes.length === 0) return `${matrix}\n\nno verdict changed (${total} ${total === 1 ? 'cell' : 'cells'})`;

  const paint = (kind: CellChange['kind'], text: string) => (opts.color && COLOR[kind] ? `${COLOR[kind]}${text}\x1b[39m` : text);
  const adviceOf = new Map(sides.new.results.map((c) => [c.id, c.advice]));
  const lines = diff.changes.flatMap((c) => {
    const advice = c.kind === 'regression' ? adviceOf.get(c.newId) : null;
    // A regression's verified fix, indented under it, ready to copy into the NEW rule set.
    const fix = advice ? [`  ${' '.repeat(KIND_WIDTH)}  ${advice.verified ? 'passes again with (verified by re-running the cell)' : 'may pass again with (not verified)'}:`, ...advice.change.split('\n').map((l) => `  ${' '.repeat(KIND_WIDTH)}    ${l}`)] : [];
    return [`  ${paint(c.kind, c.kind.padEnd(KIND_WIDTH))}  ${describeChange(c)}`, ...fix];
  });
  const count = (kind: CellChange['kind'], word: string) => {
    const n = diff.changes.filter((c) => c.kind === kind).length;
    return n === 0 ? [] : [`${n} ${word}${n === 1 ? '' : 's'}`];
  };
  const tally = [...count('regression', 'regression'), ...count('improvement', 'improvement'), ...count('other', 'other change')].join(', ');
  return [
    matrix,
    '',
    `changed from ${sides.old.ruleset} to ${sides.new.ruleset}:`,
    ...lines,
    `${diff.changes.length} of ${total} cells changed: ${tally}`,
  ].join('\n');
}

/** `PORT RETR: pass -> blocked (data-blocked: ...)`; a cell that now passes says what stopped it before. */
export function describeChange(c: CellChange): string {
  const where = [c.mode, c.command, ...c.variant].join(' ');
  const why = c.new === 'pass' ? (c.oldCause === null ? '' : ` (was ${c.oldCause})`) : c.newCause === null ? '' : ` (${c.newCause})`;
  return `${where}: ${c.old ?? 'skipped'} -> ${c.new ?? 'skipped'}${why}`;
}
