/**
 * The control experiment before `error`: a cell that failed with no drop or reject of its
 * packets traced is run once more on the same lab with the rule set's filtering taken out (its
 * drops and rejects deleted, its policies accept; NAT, helpers, NOTRACK and the observer kept:
 * harness/rulesets/filtering-removed.ts). Passing then proves the filtering stopped it: `blocked`,
 * saying what the trace did not see and what was seen. Failing again means the failure is not
 * the rule set's doing (a server, a client, the harness): it stays `error`, and says so. A
 * passing or blocked cell costs nothing here.
 */
import type { Observation } from '../cell-contract.ts';
import { causeCode } from '../model.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import type { CellRunner } from '../scenarios/scenario.ts';

/** Failures with no firewall evidence, that a fault or an unseen filtering could both give. */
const UNEXPLAINED = new Set(['timeout', 'probe-error', 'server-error']);

/** Whether the cell's observation calls for the control experiment. */
export function needsControlExperiment(o: Observation): boolean {
  return o.outcome === 'error' && UNEXPLAINED.has(causeCode(o.cause) ?? '');
}

/** What the failed run saw, in words: `greeting failed after the control connection opened (no progress within 8000 ms)`. */
export function failureSeen(o: Observation): string {
  const failed = o.phases.find((p) => !p.ok);
  const sent = o.transcript.filter((l) => l.startsWith('> ')).pop()?.slice(2);
  const after = sent ? `after "${sent}"` : o.phases.some((p) => p.phase === 'control-connect' && p.ok) ? 'after the control connection opened' : 'before the control connection opened';
  return `${failed?.phase ?? 'the transfer'} failed ${after}${failed?.detail ? ` (${failed.detail})` : ''}`;
}

/**
 * The observation after the control experiment: `o` itself when none is called for. `broken`
 * says what of the lab's instrument has ended, if anything: a lab that lost its trace monitors
 * (an interrupted run kills them with everything else) proves nothing by a re-run.
 */
export async function controlExperiment(o: Observation, ruleset: Ruleset, runner: CellRunner, broken: () => string | undefined = () => undefined): Promise<Observation> {
  if (!needsControlExperiment(o)) return o;
  const ended = broken();
  if (ended) return { ...o, cause: `${o.cause}; not run again without the rule set's filtering: ${ended}` };
  const again = (await runner.run({ ...ruleset, filteringRemoved: true })).observation;
  const seen = failureSeen(o);
  if (again.outcome === 'pass') {
    return {
      ...o,
      outcome: 'blocked',
      cause: `filtered-unseen: ${seen}; the same cell passes with the rule set's drops and rejects taken out (NAT and helpers kept), so its filtering stopped it, though no drop or reject of the cell's packets was traced`,
      transcript: [...o.transcript, '# control experiment: run again with the filtering taken out: passed'],
    };
  }
  return {
    ...o,
    cause: `${o.cause}; it fails with the rule set's drops and rejects taken out too (${again.cause ?? again.outcome}): not the firewall's doing, but a server, client or harness fault`,
    transcript: [...o.transcript, `# control experiment: run again with the filtering taken out: ${again.outcome} (${again.cause ?? ''})`],
  };
}
