/**
 * pinhole scope: after PASV/EPSV announces port X, only X may be reachable. The probe dials a
 * neighbour of X inside the passive range instead. Then a real transfer, after which no
 * expectation may be left on the firewall.
 */
import type { Lab } from '../lab/lab.ts';
import { probeJob } from '../probes/probe-job.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { attempt } from './attempt.ts';
import { classifyPinholeScope } from './classify.ts';
import type { CellAsk } from '../cell-contract.ts';
import type { ScenarioRun } from './scenario.ts';

export async function runPinholeScope(lab: Lab, ruleset: Ruleset, ask: CellAsk): Promise<ScenarioRun> {
  const job = () => probeJob(lab.jobTarget, lab.serverAddress(ask.family), ask.mode, 'RETR', 'none', lab.controlPort(ask.family));
  const first = await lab.openCell(ruleset);
  const neighbour = await attempt(lab, first, { ...job(), neighbourIn: lab.serverSpec.ftp.passivePorts });
  // The transfer starts from a clean firewall: the neighbour's attempt must not help or hinder it.
  const window = await lab.openCell(ruleset);
  const transfer = await attempt(lab, window, job());
  const left = await lab.expectationsTo();
  return { observation: await lab.settled(classifyPinholeScope({ neighbour, transfer, expectationsLeft: left })), window };
}
