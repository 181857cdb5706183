/**
 * From evidence to an outcome: pass, blocked or error, with a cause. Pure, so the rules that
 * turn packets into verdicts are unit-tested on their own.
 *
 * "blocked" needs evidence that the path refused the transfer: a router's traced drop of the
 * connection's SYN, or the server's refusal of the address the firewall let through (vsftpd's
 * bounce protection answers a PORT naming an un-NATed private address with 500). A timeout with
 * no such evidence is an `error`: pinhole does not guess.
 */
import type { Observation } from '../cell.ts';
import type { DropEvent, PacketSummary } from '../nodes/drop-observer.ts';
import type { ProbeReport } from '../probes/probe-protocol.ts';
import { endpoint } from '../topology/dual-stack.ts';

export interface Evidence {
  report: ProbeReport;
  drops: DropEvent[];
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

function describeDrop(d: DropEvent): string {
  const p = d.packet;
  return `SYN ${endpoint(p.saddr, p.sport)} -> ${endpoint(p.daddr, p.dport)} dropped at ${d.node} by ${d.chain} ${d.rule === 'policy drop' ? 'policy drop' : `rule "${d.rule}"`}`;
}

function lastLine(text: string | undefined): string {
  return (text ?? '').split('\n').pop()?.trim() ?? '';
}

export function classify(ev: Evidence): Observation {
  const { report, drops } = ev;
  const transcript = [...report.transcript, ...drops.map((d) => `# ${describeDrop(d)}`)];
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
    // `data connection` is refined later from the firewall's conntrack state (diagnose.ts).
    const which = f.phase === 'control-connect' ? 'control connection' : 'data connection';
    return { ...base, outcome: 'blocked', cause: `firewall-drop: ${which}: ${describeDrop(firstDrop)}` };
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
  drops: DropEvent[];
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
  const transcript = [...report.transcript, ...drops.map((d) => `# ${describeDrop(d)}`), ...ev.expectations.map((e) => `# expectation: ${e}`)];
  const base = { phases: report.phases, transcript, durationMs: report.durationMs };
  const reached = ev.reachedVictim[0];
  if (reached) return { ...base, outcome: 'pass', cause: `attack-reached: bounce: SYN ${endpoint(reached.saddr, reached.sport)} -> ${endpoint(reached.daddr, reached.dport)} crossed the firewall` };
  if (ev.expectations.length > 0) return { ...base, outcome: 'pass', cause: `attack-reached: bounce: the firewall expects a connection to ${ev.victim}: ${ev.expectations[0]}` };
  const f = report.failure;
  if (f?.kind === 'reply') return { ...base, outcome: 'blocked', cause: `server-refused: ${lastLine(f.reply)}` };
  const drop = drops[0];
  if (drop) return { ...base, outcome: 'blocked', cause: `firewall-drop: bounce: ${describeDrop(drop)}` };
  return { ...base, outcome: 'error', cause: f ? `probe-error: ${f.phase}: ${f.detail}` : 'probe-error: bounce unresolved: the server accepted, yet no packet toward the third host was seen' };
}

export interface PinholeScopeEvidence {
  /** The probe dialling a neighbour of the announced passive port. */
  neighbour: { report: ProbeReport; drops: DropEvent[] };
  /** A real transfer afterwards, in the same mode. */
  transfer: { report: ProbeReport; drops: DropEvent[] };
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
  return { ...base, outcome: 'blocked', cause: `firewall-drop: neighbour port: ${describeDrop(drop)}; no expectation left after the transfer` };
}

export interface HelperScopeEvidence {
  /** The probe: a web connection carrying a PORT/EPRT line, then waiting for the attacker's dial. */
  report: ProbeReport;
  drops: DropEvent[];
  /** Expectations the firewall holds toward the client after the line crossed it. */
  expectations: string[];
}

/**
 * NAT slipstreaming: `pass` (the attack got through) when the attacker's connection reached the
 * client or the firewall created an expectation from a line in a non-FTP connection.
 */
export function classifyHelperScope(ev: HelperScopeEvidence): Observation {
  const { report, drops } = ev;
  const transcript = [...report.transcript, ...drops.map((d) => `# ${describeDrop(d)}`), ...ev.expectations.map((e) => `# expectation: ${e}`)];
  const base = { phases: report.phases, transcript, durationMs: report.durationMs };
  const f = report.failure;
  const at = report.dataEndpoint ? `${report.dataEndpoint.host}:${report.dataEndpoint.port}` : 'the client';
  const line = report.transcript.filter((l) => l.startsWith('> ')).pop()?.slice(2) ?? 'an active-mode line';
  if (!f) return { ...base, outcome: 'pass', cause: `attack-reached: slipstream: the web server dialled ${at} through the firewall after "${line}" in a web connection` };
  if (ev.expectations.length > 0) return { ...base, outcome: 'pass', cause: `attack-reached: slipstream: the helper parsed a web connection: ${ev.expectations[0]}` };
  const drop = drops[0];
  if (drop && f.phase === 'control-connect') return { ...base, outcome: 'error', cause: `firewall-drop: ${WEB_DROPPED}, so the probe proves nothing (${describeDrop(drop)})` };
  if (drop) return { ...base, outcome: 'blocked', cause: `firewall-drop: slipstream: ${describeDrop(drop)}; no expectation from the line in the web connection` };
  return { ...base, outcome: 'error', cause: `probe-error: ${f.phase}: ${f.detail}` };
}
