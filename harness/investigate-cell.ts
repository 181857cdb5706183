/**
 * One cell run the whole way: observe, explain why it did not pass (from the firewall's state),
 * draw its ladder, look for a rule change that makes it pass (re-running it) where passing is
 * what the user wants, and keep the evidence the policy asks for (harness/evidence/retention.ts). Suites (through Playwright) and `explore`/`diff`
 * (in-process) share it, so every way of running a cell reports the same things.
 */
import { cellResult, type CellMeta } from './cell-result.ts';
import { writeEvidence } from './evidence/evidence-files.ts';
import { evidencePolicy, keepsEvidence, wantsAdvice, type EvidencePolicy } from './evidence/retention.ts';
import { judge } from './verdict.ts';
import type { Ladder } from './evidence/ladder.ts';
import type { CellFacts, Lab } from './lab.ts';
import type { CellResult, Observation } from './model.ts';
import type { Ruleset } from './rulesets/load-ruleset.ts';
import { dirname, join, resolve } from 'node:path';

export interface InvestigatedCell {
  result: CellResult;
  observation: Observation;
  ladder: Ladder;
  /** Absolute paths of the evidence files written for this cell (none when the policy keeps none). */
  evidence: string[];
}

/**
 * `observe` runs the cell's probe with a rule set: first the cell's own, then (for advice) the
 * same rule set with a candidate change. `jsonReport` places the evidence beside the report.
 */
export async function investigateCell(
  lab: Lab,
  meta: CellMeta,
  facts: Omit<CellFacts, 'keepState'>,
  ruleset: Ruleset,
  observe: (rs: Ruleset) => Promise<Observation>,
  jsonReport: string,
  policy: EvidencePolicy = evidencePolicy(),
): Promise<InvestigatedCell> {
  const observed = await observe(ruleset);
  const keep = keepsEvidence(policy, judge(meta.expected, observed.outcome));
  const advise = wantsAdvice(meta.expected, observed.outcome);
  // Reading the firewall's state (netlink, no packets) overlaps the capture's settling. A blocked
  // cell's ladder waits for its dropped SYN to arrive through tcpdump's pipe even without evidence.
  const [{ observation, state }, { ladder, pcaps }] = await Promise.all([
    lab.explain(observed, { ...facts, keepState: keep || advise }),
    lab.packets({ settle: keep || observed.outcome !== 'pass', pcaps: keep }),
  ]);
  // Advice re-runs the cell, so it comes after the firewall's state and packets were read.
  const advice = advise ? await lab.advise(observation, facts, state, observe) : null;
  const dims = { ...meta, ...lab.dimensionsFor(facts.family) };
  const nodes = { client: lab.client.name, server: lab.server.name };
  const result = cellResult(dims, nodes, observation, { advice });
  if (!keep) return { result, observation, ladder, evidence: [] };
  const written = await writeEvidence(jsonReport, { cell: result, observation, advice, state, captures: pcaps, ladder });
  const base = dirname(resolve(jsonReport));
  return {
    result: cellResult(dims, nodes, observation, { advice, evidence: written.dir }),
    observation,
    ladder,
    evidence: written.files.map((f) => join(base, written.dir, f)),
  };
}
