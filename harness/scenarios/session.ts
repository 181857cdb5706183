/**
 * session: several transfers in one control session (RETR, STOR, LIST, each over a new data
 * connection in the same pinned mode): every one needs its own expectation or passive port.
 */
import type { Lab } from '../lab/lab.ts';
import type { FtpCommand } from '../model.ts';
import { probeJob, transferSpec } from '../probes/probe-job.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import type { CellAsk } from '../cell-contract.ts';
import type { ScenarioRun } from './scenario.ts';
import { transferObserved } from './transfer.ts';

/** A session cell's transfers, in order, in one control session. */
const SESSION_COMMANDS: readonly FtpCommand[] = ['RETR', 'STOR', 'LIST'];

export async function runSession(lab: Lab, ruleset: Ruleset, ask: CellAsk): Promise<ScenarioRun> {
  const window = await lab.openCell(ruleset);
  const [first, ...then] = SESSION_COMMANDS.map((c) => transferSpec(lab.jobTarget.info, c));
  const job = { ...probeJob(lab.jobTarget, lab.serverAddress(), ask.mode, first!.command, 'none', lab.controlPort()), ...first!, then };
  return { observation: await lab.settled(await transferObserved(lab, window, job)), window };
}
