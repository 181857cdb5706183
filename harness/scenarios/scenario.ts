/**
 * What every scenario shares: what a cell asks of it, what one run of it gives back, and the one
 * interface through which a cell is run again with another rule set (verified advice).
 */
import type { ClientKind, Family, FtpCommand, Mode, Observation, Scenario, TlsMode } from '../model.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';

/** A cell's dimensions as a scenario needs them. */
export interface ScenarioAsk {
  scenario: Scenario;
  mode: Mode;
  command: FtpCommand;
  /** Which client runs a transfer; default the pinned probe. */
  client?: ClientKind | undefined;
  /** FTPS: explicit AUTH TLS, CCC after login, or implicit TLS; default none. */
  tls?: TlsMode | undefined;
  /** The family of the address the client dials; by default the server's IPv4 address if it has one. */
  family?: Family | undefined;
}

/** One run of a scenario: what it observed, and the window (harness/lab/cell-window.ts) it ran in. */
export interface ScenarioRun {
  observation: Observation;
  window: CellWindow;
}

/** A cell ready to run on its lab, with the cell's own rule set or another one. */
export interface CellRunner {
  run(ruleset: Ruleset): Promise<ScenarioRun>;
}
