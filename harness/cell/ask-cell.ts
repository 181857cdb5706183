/**
 * One cell asked of a lab outside any suite: the library's `ftp(ask)` fixture (pinhole/test)
 * and `askCell` (pinhole/lab). No expectation travels with it: the caller's own assertion judges
 * the result, so its verdict is `observed`, and its evidence is kept for every cell (the caller's
 * assertion may fail, and then it is what the reader looks at).
 */
import { SECURITY_SCENARIOS } from '../model.ts';
import { type CellAsk, type CellMeta, DEFAULT_DIMENSIONS } from '../cell-contract.ts';
import type { Lab } from '../lab/lab.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { type CellSettings, DEFAULT_CELL_SETTINGS } from '../run-config.ts';
import { investigateCell, type InvestigatedCell } from './investigate-cell.ts';

/** What to ask: `mode` and `command`; by default a plain transfer by the pinned probe over IPv4. */
export type CellQuestion = Pick<CellAsk, 'mode' | 'command'> & Partial<Omit<CellAsk, 'mode' | 'command'>>;

export interface AskedCellNames {
  /** The `suite` field of the result (the spec file, for `ftp()`). */
  suite: string;
  /** The rule set's name in the result. */
  ruleset: string;
  /** Where evidence files go: a directory `evidence/` beside this (notional) JSON report file. */
  report: string;
}

export async function askCell(lab: Lab, question: CellQuestion, ruleset: Ruleset, names: AskedCellNames, settings: CellSettings = DEFAULT_CELL_SETTINGS): Promise<InvestigatedCell> {
  const ask: CellAsk = { scenario: 'transfer', ...question };
  if (ask.family === 'ipv6' && (ask.mode === 'PORT' || ask.mode === 'PASV')) {
    throw new Error(`${ask.mode} carries IPv4 addresses only (RFC 2428): ask an IPv6 cell with EPRT or EPSV`);
  }
  const meta: CellMeta = {
    suite: names.suite,
    topology: lab.topology.spec.name,
    ruleset: names.ruleset,
    mode: ask.mode,
    command: ask.command,
    ...DEFAULT_DIMENSIONS,
    ...lab.dimensionsFor(ask.family),
    clientKind: ask.client ?? DEFAULT_DIMENSIONS.clientKind,
    tls: ask.tls ?? DEFAULT_DIMENSIONS.tls,
    kind: SECURITY_SCENARIOS.has(ask.scenario) ? 'security' : 'transfer',
    probe: ask.scenario,
    expected: null,
  };
  return investigateCell(lab, meta, ask, ruleset, names.report, { ...settings, evidence: 'all' });
}
