// A CellResult for reporter and verdict tests: defaults for what a test does not care about,
// and the verdict computed by the real judge so fixtures can never disagree with it.
import { cellId, DEFAULT_DIMENSIONS, type CellResult, type Expectation, type FtpCommand, type Mode, type Outcome } from '../../harness/model.ts';
import { judge } from '../../harness/verdict.ts';

export interface CellPlace {
  suite?: string;
  topology?: string;
  ruleset: string;
  mode?: Mode;
  command?: FtpCommand;
}

export function makeCell(
  at: CellPlace,
  expected: Expectation | null,
  observed: Outcome | null,
  extra: { cause?: string | null; durationMs?: number } = {},
): CellResult {
  const key = { suite: 'ftp-stateful', topology: 'routed', mode: 'PORT' as Mode, command: 'RETR' as FtpCommand, ...at };
  return {
    ...key,
    id: cellId(key),
    client: 'client',
    server: 'server',
    ...DEFAULT_DIMENSIONS,
    expected,
    observed,
    verdict: judge(expected, observed),
    cause: extra.cause ?? null,
    advice: null,
    evidence: null,
    durationMs: extra.durationMs ?? 10,
  };
}
