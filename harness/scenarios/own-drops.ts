/**
 * Drop attribution: which of the drops the firewall traced were a probe job's own packets. A
 * drop counts only when it is this cell's own packet: the control connection it dials, or the
 * data endpoint once known. A server still retrying an earlier, aborted cell's active data
 * connection must not decide this one. Pure, so it is unit-tested on recorded drops.
 */
import { isActiveMode, type Mode } from '../model.ts';
import type { DropEvent } from '../nodes/drop-observer.ts';
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
): boolean {
  // A connection's SYN goes to its endpoint; its SYN-ACK comes back from it (a rule set without
  // `ct state established` drops that one), both the cell's own.
  const toOrFrom = (host: string, port: number, anyHost: boolean) =>
    (d.packet.dport === port && (anyHost || d.packet.daddr === host)) || (d.packet.sport === port && (anyHost || d.packet.saddr === host));
  return (
    toOrFrom(job.host, job.port, false) ||
    // Active endpoints may be rewritten by NAT on the way (nf_nat_ftp keeps the port when it can).
    endpoints.some((endpoint) => toOrFrom(endpoint.host, endpoint.port, isActiveMode(job.mode))) ||
    alsoOwn(d)
  );
}
