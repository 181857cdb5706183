/**
 * One cell's identity and its JSON-contract row. Suites and `explore` both build rows here, so
 * the contract's fields are filled in one place.
 */
import { cellId, type Advice, type CellResult, type Observation } from './model.ts';
export { DEFAULT_DIMENSIONS } from './model.ts';
import { judge } from './verdict.ts';

/**
 * How a cell travels from a Playwright worker to the reporter: its identity in an annotation
 * (so reporters know skipped cells too), its result and its ladder in attachments.
 */
export const CELL_ANNOTATION = 'pinhole-cell';
export const RESULT_ATTACHMENT = 'pinhole-result';
/** The cell's ladder diagram (harness/evidence/ladder.ts), for the HTML report. */
export const LADDER_ATTACHMENT = 'pinhole-ladder';

/** Everything known about a cell before it runs (reporters need it for skipped cells too). */
export type CellMeta = Pick<
  CellResult,
  'suite' | 'topology' | 'ruleset' | 'mode' | 'command' | 'family' | 'serverKind' | 'clientKind' | 'tls' | 'kind' | 'probe' | 'expected'
>;


export function cellResult(
  meta: CellMeta,
  nodes: { client: string; server: string },
  o: Observation,
  found: { advice?: Advice | null; evidence?: string | null } = {},
): CellResult {
  return {
    id: cellId(meta),
    ...meta,
    ...nodes,
    observed: o.outcome,
    verdict: judge(meta.expected, o.outcome),
    cause: o.cause,
    advice: found.advice ?? null,
    evidence: found.evidence ?? null,
    durationMs: o.durationMs,
  };
}

/** A row for a cell that observed nothing: skipped, interrupted, or the harness failed first. */
export function unobservedResult(meta: CellMeta, how: { skipped: boolean; cause: string; durationMs: number }): CellResult {
  return {
    id: cellId(meta),
    ...meta,
    client: '',
    server: '',
    observed: how.skipped ? null : 'error',
    verdict: how.skipped ? 'skipped' : 'inconclusive',
    cause: how.cause,
    advice: null,
    evidence: null,
    durationMs: how.durationMs,
  };
}

