/**
 * concurrent: several sessions at once, each one transfer, so several expectations (or passive
 * ports) must be alive together. All must pass; the first that did not decides.
 */
import type { Lab } from '../lab/lab.ts';
import { probeJob } from '../probes/probe-job.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import type { CellAsk } from '../cell-contract.ts';
import type { ScenarioRun } from './scenario.ts';
import { transferObserved } from './transfer.ts';

/** Enough sessions to need several expectations (or passive ports) at once. */
const CONCURRENT_SESSIONS = 3;

export async function runConcurrent(lab: Lab, ruleset: Ruleset, ask: CellAsk): Promise<ScenarioRun> {
  const window = await lab.openCell(ruleset);
  const observed = await Promise.all(
    Array.from({ length: CONCURRENT_SESSIONS }, () => transferObserved(lab, window, probeJob(lab.jobTarget, lab.serverAddress(), ask.mode, ask.command, 'none', lab.controlPort()))),
  );
  const worst = observed.find((o) => o.outcome === 'blocked') ?? observed.find((o) => o.outcome === 'error');
  const n = (o: (typeof observed)[number]) => observed.indexOf(o) + 1;
  const observation = await lab.settled({
    outcome: worst?.outcome ?? 'pass',
    // The code stays first; which session failed first is said at the end.
    cause: worst ? `${worst.cause} (session ${n(worst)} of ${observed.length})` : null,
    phases: observed.flatMap((o) => o.phases),
    transcript: observed.flatMap((o) => [`# session ${n(o)} of ${observed.length}: ${o.outcome}`, ...o.transcript]),
    durationMs: Math.max(...observed.map((o) => o.durationMs)),
  });
  return { observation, window };
}
