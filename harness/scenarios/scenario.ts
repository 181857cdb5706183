/**
 * What every scenario shares: what one run of it gives back (a cell asks through CellAsk,
 * harness/cell-contract.ts), and the one interface through which a cell is run again with another rule
 * set (verified advice).
 */
import type { Observation } from '../cell-contract.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';

/** One run of a scenario: what it observed, and the window (harness/lab/cell-window.ts) it ran in. */
export interface ScenarioRun {
  observation: Observation;
  window: CellWindow;
}

/** A cell ready to run on its lab, with the cell's own rule set or another one. */
export interface CellRunner {
  run(ruleset: Ruleset): Promise<ScenarioRun>;
}
