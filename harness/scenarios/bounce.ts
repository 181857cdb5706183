/**
 * bounce (FTP bounce attack): PORT/EPRT naming a third host (the topology's `host` node). Must be
 * refused by the server, must create no expectation on the firewall, and no SYN may reach the
 * third host.
 */
import type { Lab } from '../lab/lab.ts';
import { probeJob } from '../probes/probe-job.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { attempt } from './attempt.ts';
import { classifyBounce } from './classify.ts';
import type { CellAsk } from '../cell-contract.ts';
import type { ScenarioRun } from './scenario.ts';

/** The port the bounce asks the server to dial on the third host. */
const VICTIM_PORT = 8021;

export async function runBounce(lab: Lab, ruleset: Ruleset, ask: CellAsk): Promise<ScenarioRun> {
  const victimNode = lab.topology.nodes().find((n) => n.kind === 'host');
  if (!victimNode) throw new Error(`topology ${lab.topology.spec.name} has no host node to aim a bounce at`);
  const victim = lab.ownAddress(victimNode, ask.family);
  const window = await lab.openCell(ruleset);
  const job = { ...probeJob(lab.jobTarget, lab.serverAddress(ask.family), ask.mode, 'RETR', 'none', lab.controlPort(ask.family)), announce: { host: victim, port: VICTIM_PORT } };
  const { report, drops } = await attempt(lab, window, job, undefined, (d) => d.packet.daddr === victim);
  const reached = lab.observers.flatMap((o) => o.packetsSeen().filter((p) => p.daddr === victim && !drops.some((d) => d.packet === p)));
  const expectations = await lab.expectationsTo(victim);
  return { observation: await lab.settled(classifyBounce({ report, drops, reachedVictim: reached, expectations, victim })), window };
}
