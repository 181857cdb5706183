/**
 * helper scope (NAT slipstreaming): the client opens a web connection to the server and sends a
 * PORT/EPRT line inside it; the server, playing the attacker, dials what the line names. With the
 * helper attached only to the FTP port nothing opens and the firewall drops the dial.
 *
 * A helper other than FTP's is a way in too: a rule set that attaches every helper the kernel has
 * (Shorewall's AUTOHELPERS=Yes, "ct helper" rules per port) gives IRC connections the IRC
 * helper, and a DCC SEND request inside one makes the firewall expect a connection from anywhere
 * to the address and port it names. Over IPv4 (DCC carries an IPv4 address), when the web attempt
 * opened nothing, the same is tried through an IRC connection to port 6667.
 */
import type { Lab } from '../lab/lab.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import { probeJob } from '../probes/probe-job.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { attempt } from './attempt.ts';
import { classifyHelperScope } from './classify.ts';
import type { CellAsk, Observation } from '../cell-contract.ts';
import type { ScenarioRun } from './scenario.ts';

/** Where the slipstream attacker's web server listens. */
const WEB_PORT = 80;
/** Where its IRC server listens: the port the IRC helper is attached to (nf_conntrack_irc's default). */
const IRC_PORT = 6667;

async function slipstream(lab: Lab, ruleset: Ruleset, ask: CellAsk, carrier: 'web' | 'irc'): Promise<{ observation: Observation; window: CellWindow }> {
  const port = carrier === 'irc' ? IRC_PORT : WEB_PORT;
  (await lab.webAttacker(port)).reset();
  const window = await lab.openCell(ruleset);
  const job = { ...probeJob(lab.jobTarget, lab.serverAddress(), ask.mode, 'RETR'), port, slipstream: { port, carrier } };
  const { report, drops } = await attempt(lab, window, job);
  const clientAddress = report.dataEndpoint?.host;
  const expectations = clientAddress ? await lab.expectationsTo(clientAddress) : [];
  return { observation: await lab.settled(classifyHelperScope({ report, drops, expectations, carrier })), window };
}

export async function runHelperScope(lab: Lab, ruleset: Ruleset, ask: CellAsk): Promise<ScenarioRun> {
  const web = await slipstream(lab, ruleset, ask, 'web');
  if (web.observation.outcome === 'pass' || lab.serverAddress().includes(':')) return web;
  const irc = await slipstream(lab, ruleset, ask, 'irc');
  // The IRC attempt decides when it got through, or when the web one had nothing to ride on and
  // it had; otherwise the web attempt's finding stands, with the IRC one's said beside it.
  if (irc.observation.outcome === 'pass' || (web.observation.outcome === 'error' && irc.observation.outcome === 'blocked')) return irc;
  const also = `# IRC DCC attempt (port ${IRC_PORT}): ${irc.observation.cause ?? irc.observation.outcome}`;
  return { ...web, observation: { ...web.observation, transcript: [...web.observation.transcript, also] } };
}
