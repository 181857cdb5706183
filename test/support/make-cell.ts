// A CellResult for reporter and verdict tests: defaults for what a test does not care about,
// and the verdict computed by the real judge so fixtures can never disagree with it.
import { type Expectation, type FtpCommand, type Mode, type Outcome } from '../../harness/model.ts';
import { cellId, DEFAULT_DIMENSIONS, type Advice, type CellResult } from '../../harness/cell-contract.ts';
import { judge } from '../../harness/verdict.ts';

export interface CellPlace {
  suite?: string;
  topology?: string;
  ruleset: string;
  mode?: Mode;
  command?: FtpCommand;
}

/** Scenario dimensions beyond mode and command; non-default ones also extend the id. */
export type CellVariant = Partial<Pick<CellResult, 'family' | 'serverKind' | 'clientKind' | 'tls' | 'kind' | 'probe'>>;

export function makeCell(
  at: CellPlace,
  expected: Expectation | null,
  observed: Outcome | null,
  extra: { cause?: string | null; durationMs?: number; variant?: CellVariant; advice?: Advice | null; evidence?: string | null } = {},
): CellResult {
  const key = { suite: 'ftp-stateful', topology: 'routed', mode: 'PORT' as Mode, command: 'RETR' as FtpCommand, ...at };
  const dimensions = { ...DEFAULT_DIMENSIONS, ...extra.variant };
  return {
    ...key,
    id: cellId({ ...key, ...dimensions }),
    client: 'client',
    server: 'server',
    ...dimensions,
    expected,
    observed,
    verdict: judge(expected, observed),
    cause: extra.cause ?? null,
    advice: extra.advice ?? null,
    evidence: extra.evidence ?? null,
    durationMs: extra.durationMs ?? 10,
  };
}
