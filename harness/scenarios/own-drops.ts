/**
 * Drop attribution: which of the drops the firewall traced were a probe job's own packets, and
 * which of its connections and sides each was. A drop counts only when it is this cell's own
 * packet: the control connection it dials, or the data endpoint once known, or a later packet of
 * a connection whose SYN this cell was seen to send. A server still retrying an earlier, aborted
 * cell's connection must not decide this one, nor a late packet of an earlier cell's control
 * connection (connection tracking was flushed, so a rule set may well drop it). Pure, so it is
 * unit-tested on recorded drops.
 */
import { isActiveMode, type Mode } from '../model.ts';
import { isSyn, type DropEvent, type PacketSummary } from '../nodes/drop-observer.ts';
import type { Endpoint } from '../probes/ftp-client.ts';
import type { DropRole } from '../lab/cell-window.ts';

export type { DropRole, OwnDrop } from '../lab/cell-window.ts';

type Job = { host: string; port: number; mode: Mode };

/**
 * `endpoints`: the data endpoints the job learnt so far (PORT/EPRT announced, 227/229 named).
 * `alsoOwn` widens "own" for security probes (a packet aimed at a third host).
 * `synsSeen`: the SYNs and SYN-ACKs traced since the cell began.
 */
export function ownRole(
  d: DropEvent,
  job: Job,
  endpoints: readonly Endpoint[],
  alsoOwn: (d: DropEvent) => boolean = () => false,
  synsSeen: readonly PacketSummary[] = [],
): DropRole | undefined {
  const p = d.packet;
  const flags = p.flags.split('|');
  // A dropped reset stops nothing the transfer needs.
  if (flags.includes('rst')) return undefined;
  if (isSyn(p) && !flags.includes('ack')) return synRole(p, job, endpoints) ?? (alsoOwn(d) ? { connection: 'data', from: 'server' } : undefined);
  if (isSyn(p)) return replyRole(p, job, endpoints, synsSeen);
  // Any later packet: its connection's SYN, sent in this cell, one way round or the other.
  for (const s of synsSeen) {
    if (!isSyn(s) || s.flags.includes('ack')) continue;
    const role = synRole(s, job, endpoints);
    if (!role) continue;
    if (p.saddr === s.saddr && p.sport === s.sport && p.daddr === s.daddr && p.dport === s.dport) return role;
    // The other way round; NAT may have changed one address (masquerade keeps ports where it can).
    if (p.sport === s.dport && p.dport === s.sport && (p.saddr === s.daddr || p.daddr === s.saddr)) return { ...role, from: other(role.from) };
  }
  return alsoOwn(d) ? { connection: 'data', from: 'server' } : undefined;
}

const other = (side: DropRole['from']): DropRole['from'] => (side === 'client' ? 'server' : 'client');

/** A SYN of the job: to its control endpoint, or to a data endpoint it learnt. */
function synRole(p: PacketSummary, job: Job, endpoints: readonly Endpoint[]): DropRole | undefined {
  if (p.dport === job.port && p.daddr === job.host) return { connection: 'control', from: 'client' };
  // Active endpoints may be rewritten by NAT on the way (nf_nat_ftp keeps the port when it can).
  const active = isActiveMode(job.mode);
  if (endpoints.some((e) => p.dport === e.port && (active || p.daddr === e.host))) return { connection: 'data', from: active ? 'server' : 'client' };
  return undefined;
}

/**
 * A SYN-ACK that answers a SYN this cell sent (traced since the cell began, so the exact tuple
 * the other way round): a rule set without `ct state established` drops it. A server still
 * retransmitting an earlier cell's SYN-ACK answers no SYN of this cell, and is not its own.
 */
function replyRole(p: PacketSummary, job: Job, endpoints: readonly Endpoint[], synsSeen: readonly PacketSummary[]): DropRole | undefined {
  const fromOwnEnd = (p.saddr === job.host && p.sport === job.port) || endpoints.some((e) => p.sport === e.port);
  const answered = synsSeen.find((s) => s.saddr === p.daddr && s.sport === p.dport && s.daddr === p.saddr && s.dport === p.sport);
  if (!fromOwnEnd || !answered) return undefined;
  const role = synRole(answered, job, endpoints);
  return role && { ...role, from: other(role.from) };
}
