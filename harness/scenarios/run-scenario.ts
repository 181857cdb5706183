/**
 * The scenarios by name: a cell's `scenario` picks the file that runs it. A mode that does not
 * fit the scenario is a suite bug, refused before anything runs.
 */
import type { Lab } from '../lab/lab.ts';
import type { Scenario } from '../model.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { runBounce } from './bounce.ts';
import { runConcurrent } from './concurrent.ts';
import { runHelperScope } from './helper-scope.ts';
import { runPinholeScope } from './pinhole-scope.ts';
import type { CellAsk } from '../cell-contract.ts';
import type { CellRunner, ScenarioRun } from './scenario.ts';
import { runSession } from './session.ts';
import { runTransfer } from './transfer.ts';

type ScenarioFn = (lab: Lab, ruleset: Ruleset, ask: CellAsk) => Promise<ScenarioRun>;

const SCENARIO_RUNS: Record<Scenario, { run: ScenarioFn; modes?: 'active' | 'passive' }> = {
  transfer: { run: runTransfer },
  session: { run: runSession },
  concurrent: { run: runConcurrent },
  bounce: { run: runBounce, modes: 'active' },
  'pinhole-scope': { run: runPinholeScope, modes: 'passive' },
  'helper-scope': { run: runHelperScope, modes: 'active' },
};

const MODES_OF = { active: ['PORT', 'EPRT'], passive: ['PASV', 'EPSV'] } as const;

/** The cell `ask` on `lab`, ready to run with its own rule set, and again with another for advice. */
export function scenarioRunner(lab: Lab, ask: CellAsk): CellRunner {
  const { run, modes } = SCENARIO_RUNS[ask.scenario];
  if (modes && !(MODES_OF[modes] as readonly string[]).includes(ask.mode)) {
    throw new Error(`${ask.scenario} needs ${modes === 'active' ? 'an active' : 'a passive'} mode, not ${ask.mode}`);
  }
  return { run: (ruleset) => run(lab, ruleset, ask) };
}
