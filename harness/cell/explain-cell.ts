/**
 * Why a cell did not pass, from data: the classified observation refined by diagnose() with the
 * firewall's state as the cell left it and the cell's window (its first failed job, the
 * expectation counters it began with).
 */
import { diagnose } from '../evidence/diagnose.ts';
import type { FirewallState } from '../evidence/firewall-state.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { CellKind, Family, Mode, Observation, TlsMode } from '../model.ts';

/** What explaining and advising need to know of the cell, beyond what it observed. */
export interface CellFacts {
  kind: CellKind;
  mode: Mode;
  tls: TlsMode;
  family?: Family | undefined;
}

/** Only a transfer that failed with a cause has something for diagnosis to refine. */
export function diagnosable(o: Observation, facts: CellFacts, window: CellWindow): boolean {
  return facts.kind === 'transfer' && window.failed !== undefined && o.cause !== null && o.outcome !== 'pass';
}

export function explainCell(o: Observation, facts: CellFacts, window: CellWindow, state: FirewallState, firewall: string): Observation {
  const failed = window.failed;
  if (!diagnosable(o, facts, window) || !failed || o.cause === null) return o;
  const cause = diagnose({
    cause: o.cause,
    mode: facts.mode,
    tls: facts.tls,
    control: { host: failed.job.host, port: failed.job.port },
    announced: failed.report.dataEndpoint,
    firewall,
    before: window.counters,
    state,
  });
  return cause === o.cause ? o : { ...o, cause };
}
