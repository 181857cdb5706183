/**
 * helper scope (NAT slipstreaming): the client opens a web connection to the server and sends a
 * PORT/EPRT line inside it; the server, playing the attacker, dials what the line names. With the
 * helper attached only to the FTP port nothing opens and the firewall drops the dial.
 */
import type { Lab } from '../lab/lab.ts';
import { probeJob } from '../probes/probe-job.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { attempt } from './attempt.ts';
import { classifyHelperScope } from './classify.ts';
import type { CellAsk } from '../cell.ts';
import type { ScenarioRun } from './scenario.ts';

/** Where the slipstream attacker's web server listens. */
const WEB_PORT = 80;

export async function runHelperScope(lab: Lab, ruleset: Ruleset, ask: CellAsk): Promise<ScenarioRun> {
  (await lab.webAttacker(WEB_PORT)).reset();
  const window = await lab.openCell(ruleset);
  const job = { ...probeJob(lab.jobTarget, lab.serverAddress(), ask.mode, 'RETR'), port: WEB_PORT, slipstream: { port: WEB_PORT } };
  const { report, drops } = await attempt(lab, window, job);
  const clientAddress = report.dataEndpoint?.host;
  const expectations = clientAddress ? await lab.expectationsTo(clientAddress) : [];
  return { observation: await lab.settled(classifyHelperScope({ report, drops, expectations })), window };
}
