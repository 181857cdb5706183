/**
 * One cell run the whole way: observe, explain why it did not pass (from the firewall's state),
 * draw its ladder, look for a rule change that makes it pass (re-running it) where passing is
 * what the user wants, and keep the evidence the policy asks for (harness/evidence/retention.ts).
 * Suites (through Playwright) and `explore`/`diff` (in-process) share it, so every way of
 * running a cell reports the same things.
 */
import { dirname, join, resolve } from 'node:path';
import { cellResult, type CellAsk, type CellMeta, type CellResult, type Observation } from '../cell-contract.ts';
import { writeEvidence } from '../evidence/evidence-files.ts';
import { firewallSides } from '../evidence/firewall-sides.ts';
import { readFirewallState } from '../evidence/firewall-state.ts';
import type { Ladder } from '../evidence/ladder.ts';
import { keepsEvidence, wantsAdvice } from '../evidence/retention.ts';
import { type CellSettings, DEFAULT_CELL_SETTINGS } from '../run-config.ts';
import type { Lab } from '../lab/lab.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { addressesOf } from '../topology/dual-stack.ts';
import { judge } from '../verdict.ts';
import { scenarioRunner } from '../scenarios/run-scenario.ts';
import { adviseCell } from './advise-cell.ts';
import { isSyn } from '../nodes/drop-observer.ts';
import { controlExperiment, needsControlExperiment } from './control-experiment.ts';
import { cellPackets, type LadderScene } from './cell-packets.ts';
import { annotateLadder } from '../evidence/attribution.ts';
import { attributeOnLab } from './attribute-cell.ts';
import { diagnosable, explainCell, movesData } from './explain-cell.ts';


export interface InvestigatedCell {
  result: CellResult;
  observation: Observation;
  ladder: Ladder;
  /** Absolute paths of the evidence files written for this cell (none when the policy keeps none). */
  evidence: string[];
}

/** Who is who on the lab's firewall capture. */
function ladderScene(lab: Lab): LadderScene {
  const spec = lab.topology.spec;
  const addresses = (name: string) => addressesOf(spec.nodes[name]!);
  const { info } = lab.jobTarget;
  return {
    firewall: lab.rulesetNode.name,
    firewallAddresses: addresses(lab.rulesetNode.name),
    clientAddresses: addresses(lab.clientNode.name),
    serverAddresses: addresses(lab.serverNode.name),
    // The server's control port, a port forward's own where it differs, implicit FTPS's.
    controlPorts: [...new Set([info.port, lab.controlPort(), ...(info.tls?.implicitPort ? [info.tls.implicitPort] : [])])],
    sides: firewallSides(spec, lab.rulesetNode.name, lab.clientNode.name, lab.serverNode.name),
  };
}

/**
 * Runs the cell `ask` on `lab` with its rule set, and again (for advice) with a candidate change
 * to it, through one CellRunner (harness/scenarios/run-scenario.ts). `meta` names the cell in
 * the report; `jsonReport` places the evidence beside the report.
 */
export async function investigateCell(
  lab: Lab,
  meta: CellMeta,
  ask: CellAsk,
  ruleset: Ruleset,
  jsonReport: string,
  settings: CellSettings = DEFAULT_CELL_SETTINGS,
): Promise<InvestigatedCell> {
  const runner = scenarioRunner(lab, ask);
  const { observation: observed, window } = await runner.run(ruleset);
  // Before anything re-runs the cell (advice), which starts the trace afresh.
  const attribution = movesData(ask) && settings.attribution ? await attributeOnLab(lab, window, ruleset) : undefined;
  // An error the control experiment may turn into blocked keeps what any error keeps.
  const mayKeep = keepsEvidence(settings.evidence, judge(meta.expected, observed.outcome));
  const needsState = diagnosable(observed, ask, window) || mayKeep || wantsAdvice(meta.expected, observed.outcome) || needsControlExperiment(observed);
  // Reading the firewall's state (netlink, no packets) overlaps the capture's settling. A blocked
  // cell's ladder waits for its dropped SYN to arrive through tcpdump's pipe even without evidence.
  const [state, { ladder: captured, pcaps }] = await Promise.all([
    needsState ? readFirewallState(lab.rulesetNode, window.listing()) : undefined,
    cellPackets(lab.capture, window, ladderScene(lab), { settle: mayKeep || observed.outcome !== 'pass', pcaps: mayKeep }),
  ]);
  const ladder = annotateLadder(captured, attribution);
  const explained = state ? explainCell(observed, ask, window, state, lab.rulesetNode.name) : observed;
  // Re-runs the cell, so it comes after the firewall's state and packets were read, like advice.
  const observation = await controlExperiment(explained, ruleset, runner, () => lab.brokenInstrument());
  const keep = keepsEvidence(settings.evidence, judge(meta.expected, observation.outcome));
  const advise = wantsAdvice(meta.expected, observation.outcome);
  const dimensions = lab.dimensionsFor(ask.family);
  const { family } = dimensions;
  const server = { family, address: lab.ownAddress(lab.serverNode, family), port: lab.jobTarget.info.port, passivePorts: lab.serverSpec.ftp.passivePorts, placement: lab.placement };
  const deciding = window.drops[0];
  const advice = advise ? await adviseCell(observation, ask, ruleset, state, server, runner, settings.advice, deciding !== undefined && !isSyn(deciding.packet)) : null;
  const dims = { ...meta, ...dimensions };
  const nodes = { client: lab.clientNode.name, server: lab.serverNode.name };
  const frontend = ruleset.frontend && { ...ruleset.frontend, rendering: [ruleset.file, ...(ruleset.ipv6 ? [ruleset.ipv6.file] : [])] };
  const result = cellResult(dims, nodes, observation, { advice, attribution, frontend });
  if (!keep) return { result, observation, ladder, evidence: [] };
  const written = await writeEvidence(jsonReport, { cell: result, observation, advice, state, captures: pcaps, ladder });
  const base = dirname(resolve(jsonReport));
  return {
    result: cellResult(dims, nodes, observation, { advice, evidence: written.dir, attribution, frontend }),
    observation,
    ladder,
    evidence: written.files.map((f) => join(base, written.dir, f)),
  };
}
