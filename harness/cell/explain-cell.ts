/**
 * Why a cell did not pass, from data: the classified observation refined by diagnose() with the
 * firewall's state as the cell left it and the cell's window (its first failed job, the
 * expectation counters it began with).
 */
import { diagnose } from '../evidence/diagnose.ts';
import type { FirewallState } from '../evidence/firewall-state.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { CellAsk, Observation } from '../cell-contract.ts';
import { SECURITY_SCENARIOS } from '../model.ts';

/** Transfers (one, a session, concurrent sessions) move data; the security scenarios attack. */
export const movesData = (ask: CellAsk) => !SECURITY_SCENARIOS.has(ask.scenario);

/** Only a transfer that failed with a cause has something for diagnosis to refine. */
export function diagnosable(o: Observation, ask: CellAsk, window: CellWindow): boolean {
  return movesData(ask) && window.failed !== undefined && o.cause !== null && o.outcome !== 'pass';
}

export function explainCell(o: Observation, ask: CellAsk, window: CellWindow, state: FirewallState, firewall: string): Observation {
  const failed = window.failed;
  if (!diagnosable(o, ask, window) || !failed || o.cause === null) return o;
  const cause = diagnose({
    cause: o.cause,
    mode: ask.mode,
    tls: ask.tls ?? 'none',
    control: { host: failed.job.host, port: failed.job.port },
    announced: failed.report.dataEndpoint,
    firewall,
    dropAt: window.drops[0]?.node,
    before: window.counters,
    state,
  });
  return cause === o.cause ? o : { ...o, cause };
}
