/**
 * Drop attribution: which of the drops the firewall traced were a probe job's own packets. A
 * drop counts only when it is this cell's own packet: the control connection it dials, or the
 * data endpoint once known. A server still retrying an earlier, aborted cell's active data
 * connection must not decide this one. Pure, so it is unit-tested on recorded drops.
 */
import { isActiveMode, type Mode } from '../model.ts';
import type { DropEvent, PacketSummary } from '../nodes/drop-observer.ts';
import type { Endpoint } from '../probes/ftp-client.ts';

/**
 * `endpoints`: the data endpoints the job learnt so far (PORT/EPRT announced, 227/229 named).
 * `alsoOwn` widens "own" for security probes (a packet aimed at a third host).
 */
export function isOwnDrop(
  d: DropEvent,
  job: { host: string; port: number; mode: Mode },
  endpoints: readonly Endpoint[],
  alsoOwn: (d: DropEvent) => boolean = () => false,
  synsSeen: readonly PacketSummary[] = [],
): boolean {
  const to = (host: string, port: number, anyHost: boolean) => d.packet.dport === port && (anyHost || d.packet.daddr === host);
  return (
    to(job.host, job.port, false) ||
    // Active endpoints may be rewritten by NAT on the way (nf_nat_ftp keeps the port when it can).
    endpoints.some((endpoint) => to(endpoint.host, endpoint.port, isActiveMode(job.mode))) ||
    isOwnReply(d.packet, synsSeen, job, endpoints) ||
    alsoOwn(d)
  );
}

/**
 * A SYN-ACK that answers a SYN this cell sent (traced since the cell began, so the exact tuple
 * the other way round): a rule set without `ct state established` drops it. A server still
 * retransmitting an earlier cell's SYN-ACK answers no SYN of this cell, and is not its own.
 */
function isOwnReply(p: PacketSummary, synsSeen: readonly PacketSummary[], job: { host: string; port: number }, endpoints: readonly Endpoint[]): boolean {
  const fromOwnEnd = (p.saddr === job.host && p.sport === job.port) || endpoints.some((e) => p.sport === e.port);
  return fromOwnEnd && synsSeen.some((s) => s.saddr === p.daddr && s.sport === p.dport && s.daddr === p.saddr && s.dport === p.sport);
}
