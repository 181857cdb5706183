/**
 * How a verdict and an outcome look in the HTML report: a word and a mark for every state, so
 * the report reads without colour (print, colour-blind readers); the CSS class adds colour.
 * The marks are the terminal matrix's, plus a dash for skipped (a table cell cannot be blank).
 */
import type { Outcome, Verdict } from '../../model.ts';
import type { CellResult } from '../../cell-contract.ts';

export const VERDICT_MARK: Record<Verdict, string> = { compliant: '✓', violation: '✗', inconclusive: '?', skipped: '–', observed: '', accepted: '!' };

/** Skipped cells observed nothing; their word says so rather than leaving the cell empty. */
export const OUTCOME_WORD: Record<Outcome | 'none', string> = { pass: 'pass', blocked: 'blocked', error: 'error', none: 'skipped' };

export const outcomeKey = (cell: CellResult): Outcome | 'none' => cell.observed ?? 'none';

/** The CSS class carrying a verdict's colour. */
export const verdictClass = (verdict: Verdict): string => `v-${verdict}`;
