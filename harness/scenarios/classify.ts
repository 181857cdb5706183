/**
 * From evidence to an outcome: pass, blocked or error, with a cause. Pure, so the rules that
 * turn packets into verdicts are unit-tested on their own.
 *
 * "blocked" needs evidence that the path refused the transfer: a traced drop or reject of any
 * packet of the cell's own connections (a SYN, a handshake's ACK, a command's segment...), or the server's refusal of the address the firewall let through (vsftpd's
 * bounce protection answers a PORT naming an un-NATed private address with 500). A failure with
 * no such evidence is an `error` here; the cell's control experiment (harness/cell/control-experiment.ts)
 * then tells a filtering the trace did not see from a fault.
 */
import type { Observation } from '../cell-contract.ts';
import type { PacketSummary } from '../nodes/drop-observer.ts';
import type { OwnDrop } from './own-drops.ts';
import type { ProbeReport } from '../probes/probe-protocol.ts';
import { endpoint } from '../topology/dual-stack.ts';
import { placeOf } from '../evidence/attribution.ts';

export interface Evidence {
  report: ProbeReport;
  drops: OwnDrop[];
  /** Every upload of the cell: what the client sent, and what the server stored (undefined when missing). */
  uploads?: Array<{ path: string; sent: string; stored: string | undefined }>;
  /**
   * The refused data connection was aimed at a router's own address, and that router saw the
   * SYN. `announced` when the server dialled there instead of the address PORT/EPRT announced.
   */
  refusedByRouter?: { node: string; host: string; port: number; announced?: { host: string; port: number } | undefined } | undefined;
}

/** Replies that mean "the server would not use this data address / connection". */
const DATA_REFUSAL_CODES = new Set([425, 426]);

/** The helper-scope probe's carrier, a web connection to the server, was refused: nothing was attempted. */
export const WEB_DROPPED = 'the web connection itself was dropped';
/** The same of the IRC carrier (helper-scope's DCC attempt). */
export const IRC_DROPPED = 'the IRC connection itself was dropped';

/**
 * What the firewall did to a packet, from the rule that decided it as written (nft's `reject
 * with ...`, iptables' `-j REJECT --reject-with ...`): a trace says `drop` for a reject too.
 */
export function actionOf(rule: string, policy: boolean): string {
  if (policy) return 'dropped';
  if (/reject with tcp reset|--reject-with tcp-reset/.test(rule)) return 'reset (rejected with TCP RST)';
  const icmp = /reject with icmpx? (?:type )?([\w-]+)|--reject-with icmp6?-([\w-]+)/.exec(rule);
  if (icmp) return `rejected with ICMP ${icmp[1] ?? icmp[2]}`;
  if (/\breject\b|-j REJECT\b/.test(rule)) return 'rejected with ICMP port-unreachable';
  return 'dropped';
}

/** The packet in words: `SYN`, `SYN-ACK`, `the handshake's ACK`, `FIN`, `segment carrying "PORT ..."`. */
function packetWords(d: OwnDrop, transcript: readonly string[]): string {
  const flags = d.packet.flags.split('|');
  if (flags.includes('syn')) return flags.includes('ack') ? 'SYN-ACK' : 'SYN';
  const control = d.role.connection === 'control';
  const sent = transcript.filter((l) => l.startsWith('> ')).pop()?.slice(2);
  const received = transcript.some((l) => l.startsWith('< '));
  if (d.packet.payload > 0 || flags.includes('psh')) {
    if (!control) return `data segment (${d.packet.payload} bytes)`;
    if (d.role.from === 'client') return sent ? `segment carrying "${sent}"` : 'segment from the client';
    return sent ? `segment carrying the reply to "${sent}"` : 'segment carrying the greeting';
  }
  if (flags.includes('fin')) return 'FIN';
  // The initiator's first ACK, before anything came back: the three-way handshake's last packet.
  if (control && d.role.from === 'client' && !received) return "handshake's ACK";
  return 'ACK';
}

/** `SYN a -> b (client to server) rejected with ICMP admin-prohibited at fw by <chain> rule "..." at fw.nft:12`. */
function describeDrop(d: OwnDrop, transcript: readonly string[]): string {
  const p = d.packet;
  const text = d.hit?.rule ?? d.rule;
  const by = d.verdict.policy ? `${d.chain} policy drop` : `${d.chain} rule "${text}"${d.hit ? placeOf(d.hit) : ''}`;
  const sides = `${d.role.from} to ${d.role.from === 'client' ? 'server' : 'client'}`;
  return `${packetWords(d, transcript)} ${endpoint(p.saddr, p.sport)} -> ${endpoint(p.daddr, p.dport)} (${sides}) ${actionOf(text, d.verdict.policy)} at ${d.node} by ${by}`;
}

function lastLine(text: string | undefined): string {
  return (text ?? '').split('\n').pop()?.trim() ?? '';
}

export function classify(ev: Evidence): Observation {
  const { report, drops } = ev;
  const transcript = [...report.transcript, ...drops.map((d) => `# ${describeDrop(d, report.transcript)}`)];
  const base = { phases: report.phases, transcript, durationMs: report.durationMs };
  const f = report.failure;

  if (!f) {
    const bad = ev.uploads?.find((u) => u.stored !== u.sent);
    if (bad) {
      const seen = bad.stored ? `server stored sha256 ${bad.stored}` : 'server has no stored file';
      return { ...base, outcome: 'error', cause: `integrity-mismatch: ${bad.path}: sent sha256 ${bad.sent}, ${seen}` };
    }
    return { ...base, outcome: 'pass', cause: null };
  }
  const firstDrop = drops[0];
  if (firstDrop) {
    // A dropped data SYN is refined later from the firewall's conntrack state (diagnose.ts).
    return { ...base, outcome: 'blocked', cause: `firewall-drop: ${firstDrop.role.connection} connection: ${describeDrop(firstDrop, report.transcript)}` };
  }
  const r = ev.refusedByRouter;
  if (r?.announced && f.kind === 'reply') {
    return {
      ...base,
      outcome: 'blocked',
      cause: `data-refused-at-router: the server dialled ${endpoint(r.host, r.port)}, ${r.node}'s own address (the control connection's peer), not the announced ${endpoint(r.announced.host, r.announced.port)}; ${r.node} neither forwards that port nor expects a connection to it (it answered RST): ${lastLine(f.reply)}`,
    };
  }
  if (f.kind === 'reply') {
    if (f.phase === 'mode' || (f.replyCode !== undefined && DATA_REFUSAL_CODES.has(f.replyCode))) {
      return { ...base, outcome: 'blocked', cause: `server-refused: ${lastLine(f.reply)}` };
    }
    return { ...base, outcome: 'error', cause: `server-error: ${f.phase}: ${lastLine(f.reply)}` };
  }
  if (f.kind === 'mismatch') return { ...base, outcome: 'error', cause: `integrity-mismatch: ${f.detail}` };
  if (f.kind === 'timeout') return { ...base, outcome: 'error', cause: `timeout: ${f.phase}: no firewall drop observed (${f.detail})` };
  if (f.kind === 'refused' && r) {
    return { ...base, outcome: 'blocked', cause: `data-refused-at-router: ${endpoint(r.host, r.port)} is ${r.node}'s own address, and ${r.node} neither forwards that port nor expects a connection to it (it answered RST)` };
  }
  if (f.kind === 'refused') return { ...base, outcome: 'error', cause: `probe-error: ${f.phase} refused: ${f.detail} (no firewall drop observed; is the server listening?)` };
  return { ...base, outcome: 'error', cause: `probe-error: ${f.phase}: ${f.detail}` };
}

/** Evidence of an FTP bounce attempt (PORT/EPRT naming a third host). */
export interface BounceEvidence {
  report: ProbeReport;
  drops: OwnDrop[];
  /** SYNs toward the third host that a router traced and did not drop. */
  reachedVictim: PacketSummary[];
  /** Firewall expectations toward the third host (`conntrack -L expect` lines). */
  expectations: string[];
  victim: string;
}

/**
 * A security cell's `pass` means the attack got through (a SYN reached the third host, or the
 * firewall opened an expectation toward it); `blocked` says which layer stopped it.
 */
export function classifyBounce(ev: BounceEvidence): Observation {
  const { report, drops } = ev;
  const transcript = [...report.transcript, ...drops.map((d) => `# ${describeDrop(d, report.transcript)}`), ...ev.expectations.map((e) => `# expectation: ${e}`)];
  const base = { phases: report.phases, transcript, durationMs: report.durationMs };
  const reached = ev.reachedVictim[0];
  if (reached) return { ...base, outcome: 'pass', cause: `attack-reached: bounce: SYN ${endpoint(reached.saddr, reached.sport)} -> ${endpoint(reached.daddr, reached.dport)} crossed the firewall` };
  if (ev.expectations.length > 0) return { ...base, outcome: 'pass', cause: `attack-reached: bounce: the firewall expects a connection to ${ev.victim}: ${ev.expectations[0]}` };
  const f = report.failure;
  if (f?.kind === 'reply') return { ...base, outcome: 'blocked', cause: `server-refused: ${lastLine(f.reply)}` };
  const drop = drops[0];
  if (drop) return { ...base, outcome: 'blocked', cause: `firewall-drop: bounce: ${describeDrop(drop, report.transcript)}` };
  return { ...base, outcome: 'error', cause: f ? `probe-error: ${f.phase}: ${f.detail}` : 'probe-error: bounce unresolved: the server accepted, yet no packet toward the third host was seen' };
}

export interface PinholeScopeEvidence {
  /** The probe dialling a neighbour of the announced passive port. */
  neighbour: { report: ProbeReport; drops: OwnDrop[] };
  /** A real transfer afterwards, in the same mode. */
  transfer: { report: ProbeReport; drops: OwnDrop[] };
  /** Expectations still on the firewall after that transfer. */
  expectationsLeft: string[];
}

/** `pass` when the neighbour port was reachable or an expectation outlived its transfer. */
export function classifyPinholeScope(ev: PinholeScopeEvidence): Observation {
  const n = ev.neighbour.report;
  const transcript = [...n.transcript, '# then a real transfer:', ...ev.transfer.report.transcript, ...ev.expectationsLeft.map((e) => `# expectation left: ${e}`)];
  const base = { phases: n.phases, transcript, durationMs: n.durationMs + ev.transfer.report.durationMs };
  const dialled = n.dataEndpoint ? `${n.dataEndpoint.host}:${n.dataEndpoint.port}` : 'the neighbour port';
  const drop = ev.neighbour.drops[0];
  if (!drop) {
    const f = n.failure;
    if (!f || f.phase === 'transfer' || (f.phase === 'data-connect' && (f.kind === 'refused' || f.kind === 'reset'))) {
      return { ...base, outcome: 'pass', cause: `attack-reached: neighbour port: ${dialled}, next to the announced port, crossed the firewall` };
    }
    return { ...base, outcome: 'error', cause: `probe-error: ${f.phase}: ${f.detail}` };
  }
  if (ev.transfer.report.failure) {
    return { ...base, outcome: 'error', cause: `probe-error: the scope check needs a passing transfer first (${ev.transfer.report.failure.detail})` };
  }
  if (ev.expectationsLeft.length > 0) return { ...base, outcome: 'pass', cause: `attack-reached: expectation left open: ${ev.expectationsLeft[0]}` };
  return { ...base, outcome: 'blocked', cause: `firewall-drop: neighbour port: ${describeDrop(drop, n.transcript)}; no expectation left after the transfer` };
}

export interface HelperScopeEvidence {
  /** The probe: a web connection carrying a PORT/EPRT line (or an IRC one carrying a DCC request), then waiting for the attacker's dial. */
  report: ProbeReport;
  /** Which connection carried the line: web (default), or IRC (the IRC helper's DCC). */
  carrier?: 'web' | 'irc';
  drops: OwnDrop[];
  /** Expectations the firewall holds toward the client after the line crossed it. */
  expectations: string[];
}

/**
 * NAT slipstreaming: `pass` (the attack got through) when the attacker's connection reached the
 * client or the firewall created an expectation from a line in a non-FTP connection.
 */
export function classifyHelperScope(ev: HelperScopeEvidence): Observation {
  const { report, drops } = ev;
  const transcript = [...report.transcript, ...drops.map((d) => `# ${describeDrop(d, report.transcript)}`), ...ev.expectations.map((e) => `# expectation: ${e}`)];
  const base = { phases: report.phases, transcript, durationMs: report.durationMs };
  const f = report.failure;
  const at = report.dataEndpoint ? `${report.dataEndpoint.host}:${report.dataEndpoint.port}` : 'the client';
  const irc = ev.carrier === 'irc';
  const line = report.transcript.filter((l) => l.startsWith('> ')).pop()?.slice(2).split('\u0001').join('\\x01') ?? 'an active-mode line';
  const [server, connection] = irc ? ['IRC server', 'an IRC connection (the IRC helper read it)'] : ['web server', 'a web connection'];
  if (!f) return { ...base, outcome: 'pass', cause: `attack-reached: slipstream: the ${server} dialled ${at} through the firewall after "${line}" in ${connection}` };
  if (ev.expectations.length > 0) return { ...base, outcome: 'pass', cause: `attack-reached: slipstream: the ${irc ? 'IRC helper parsed an IRC' : 'helper parsed a web'} connection: ${ev.expectations[0]}` };
  const drop = drops[0];
  if (drop && f.phase === 'control-connect') return { ...base, outcome: 'error', cause: `firewall-drop: ${irc ? IRC_DROPPED : WEB_DROPPED}, so the probe proves nothing (${describeDrop(drop, report.transcript)})` };
  if (drop) return { ...base, outcome: 'blocked', cause: `firewall-drop: slipstream: ${describeDrop(drop, report.transcript)}; no expectation from the line in ${irc ? 'the IRC connection' : 'the web connection'}` };
  return { ...base, outcome: 'error', cause: `probe-error: ${f.phase}: ${f.detail}` };
}
