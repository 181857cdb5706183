/**
 * The third host a bounce needs, added to a check's topology when it has none. It goes on the
 * client's segment, as in the built-in ftp-security suite: the bounced connection (the server
 * dialling the address PORT/EPRT named) then crosses the node that carries the rule set, whose
 * trace is what proves it reached the target or was dropped. On the server's own segment the
 * server would dial it directly, past every observer, and a bounce that got through would be
 * invisible. Its addresses are the highest free host addresses of the segment's subnets.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { stringify } from 'yaml';
import { canonicalAddress, cidrsOf, familyOf, subnetsOf } from '../topology/dual-stack.ts';
import type { NodeSpec, TopologySpec } from '../topology/schema.ts';
import { SECURITY_PROBES, type CheckSpec } from '../expectations/check-file.ts';

export const BOUNCE_TARGET = 'bounce-target';

/** The highest host address of `subnet` that `used` does not hold, with the subnet's prefix. */
function freeHost(subnet: string, used: ReadonlySet<string>): string | undefined {
  const [net, bits] = ipaddr.parseCIDR(subnet);
  const bytes = net.toByteArray();
  const base = bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const size = 1n << BigInt(bytes.length * 8 - bits);
  // From the top down, skipping the last address (IPv4's broadcast; left alone in IPv6 too).
  for (let offset = 2n; offset < size && offset < 4096n; offset++) {
    let n = base + size - offset;
    const out = bytes.map(() => 0);
    for (let i = out.length - 1; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
    const address = canonicalAddress(ipaddr.fromByteArray(out).toString());
    if (!used.has(address)) return `${address}/${bits}`;
  }
  return undefined;
}

/** `spec` with a host node on the client's segment; undefined when it has a host node already. */
export function withBounceTarget(spec: TopologySpec): TopologySpec | undefined {
  if (Object.values(spec.nodes).some((n) => n.kind === 'host')) return undefined;
  const client = Object.values(spec.nodes).find((n) => n.kind === 'ftp-client');
  const segment = client && Object.values(client.interfaces)[0]!.segment;
  if (!segment || BOUNCE_TARGET in spec.nodes) return undefined;
  const used = new Set(Object.values(spec.nodes).flatMap((n) => Object.values(n.interfaces).flatMap((i) => cidrsOf(i).map(canonicalAddress))));
  // IPv4 first, as the topology's own nodes list them.
  const addresses = subnetsOf(spec.segments[segment]!)
    .flatMap((s) => freeHost(s, used) ?? [])
    .sort((a, b) => Number(familyOf(b) === 'ipv4') - Number(familyOf(a) === 'ipv4'));
  if (addresses.length === 0) return undefined;
  const target: NodeSpec = { kind: 'host', interfaces: { eth0: { segment, address: addresses.length === 1 ? addresses[0]! : addresses } } };
  return { ...spec, nodes: { ...spec.nodes, [BOUNCE_TARGET]: target } };
}

/** The topology a check's lab runs: its own, with a bounce target when it runs the bounce and has no host. */
export function labTopologyOf(check: Pick<CheckSpec, 'security'>, spec: TopologySpec): TopologySpec {
  const bounce = (check.security ?? SECURITY_PROBES).includes('bounce');
  return (bounce && withBounceTarget(spec)) || spec;
}

/**
 * Writes a derived topology where a lab can load it, and returns the file: under `dir` (the
 * run's own output directory, removed with it), named by the check, written whole (a
 * rename), since every Playwright process that loads the spec writes the same bytes.
 */
export function writeLabTopology(spec: TopologySpec, dir: string, checkIndex: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `check-${checkIndex + 1}-${spec.name}.topo.yaml`);
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, stringify(spec));
  renameSync(partial, file);
  return file;
}
