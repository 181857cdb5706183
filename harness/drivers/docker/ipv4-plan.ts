/**
 * The IPv4 side of a topology as Docker networks need it. Docker's bridge driver (20.10) needs
 * an IPv4 subnet on every network and attaches every container with an IPv4 address, while an
 * IPv6-only segment (the nftables packetpath/nat_ftp case) has none. Such a segment gets a
 * placeholder /24 from the shared address space 100.64.0.0/10 (RFC 6598: never a real network's
 * or the topology's own, nor one the host routes; 198.18.0.0/15 when that is all taken), leased like any other subnet, and each attachment without an IPv4
 * address (there, or on a dual-stack segment) a placeholder address in its segment's subnet; shapeNode (container-shape.ts) finds the interface by that address and then
 * removes it, so the node is left with the topology's IPv6 addresses only.
 */
import ipaddr from 'ipaddr.js';
import { addressOfInterface, familyOf, subnetsOf } from '../../topology/dual-stack.ts';
import type { TopologySpec } from '../../topology/schema.ts';

export interface DockerIpv4Plan {
  /** Segment -> the IPv4 subnet its Docker network is created with. */
  subnets: Record<string, string>;
  /** Node -> interface -> the IPv4 address Docker attaches it with, and whether it is a placeholder. */
  attachments: Record<string, Record<string, { address: string; placeholder: boolean; prefix: number }>>;
}

function overlaps(a: string, b: string): boolean {
  const [na, la] = ipaddr.parseCIDR(a);
  const [nb, lb] = ipaddr.parseCIDR(b);
  return na.kind() === nb.kind() && (na.match(nb, lb) || nb.match(na, la));
}

/**
 * `hostRoutes`: the IPv4 destinations the host routes already (`ip -4 route`, default left out).
 * 100.64.0.0/10 is also carrier-grade NAT's and VPNs' (Tailscale): the bridges carry no host
 * address (docker-driver.ts), but a placeholder subnet the host routes elsewhere is still skipped,
 * so that nothing pinhole makes ever shares a subnet with a network the host reaches.
 */
export function dockerIpv4Plan(spec: TopologySpec, hostRoutes: readonly string[] = []): DockerIpv4Plan {
  const taken = [...Object.values(spec.segments).flatMap((s) => subnetsOf(s).filter((c) => familyOf(c) === 'ipv4')), ...hostRoutes];
  const subnets: Record<string, string> = {};
  let next = 0;
  for (const [name, seg] of Object.entries(spec.segments)) {
    const own = subnetsOf(seg).find((c) => familyOf(c) === 'ipv4');
    if (own) {
      subnets[name] = own;
      continue;
    }
    // The next /24 of 100.64.0.0/10, then of 198.18.0.0/15 (RFC 2544, benchmarking), that no
    // segment of the topology and no route of the host uses.
    for (;;) {
      const candidate = next < 1 << 14 ? `100.${64 + (next >> 8)}.${next & 0xff}.0/24` : next < (1 << 14) + (1 << 9) ? `198.${18 + ((next - (1 << 14)) >> 8)}.${(next - (1 << 14)) & 0xff}.0/24` : undefined;
      next += 1;
      if (candidate === undefined) throw new Error(`topology ${spec.name}: no free placeholder subnet in 100.64.0.0/10 or 198.18.0.0/15 for segment ${name}`);
      if (taken.some((t) => overlaps(t, candidate))) continue;
      subnets[name] = candidate;
      taken.push(candidate);
      break;
    }
  }
  const attachments: DockerIpv4Plan['attachments'] = {};
  const used = new Set(Object.values(spec.nodes).flatMap((n) => Object.values(n.interfaces).flatMap((i) => addressOfInterface(i, 'ipv4') ?? [])));
  // Placeholder hosts from the subnet's second address up (Docker reserves the first for the
  // network's gateway), past any address of the topology's own.
  const placeholder = (segment: string): string => {
    const [net, bits] = ipaddr.parseCIDR(subnets[segment]!);
    const base = ipaddr.IPv4.networkAddressFromCIDR(`${net.toString()}/${bits}`).toByteArray();
    const asNumber = base.reduce((n, b) => n * 256 + b, 0);
    for (let host = 2; host < 2 ** (32 - bits) - 1; host++) {
      const n = asNumber + host;
      const address = [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
      if (!used.has(address)) {
        used.add(address);
        return address;
      }
    }
    throw new Error(`topology ${spec.name}: segment ${segment} has no free IPv4 address left for Docker's attachment`);
  };
  for (const [nodeName, node] of Object.entries(spec.nodes)) {
    const own: DockerIpv4Plan['attachments'][string] = (attachments[nodeName] = {});
    for (const [ifname, iface] of Object.entries(node.interfaces)) {
      const address = addressOfInterface(iface, 'ipv4');
      const prefix = ipaddr.parseCIDR(subnets[iface.segment]!)[1];
      own[ifname] = address ? { address, placeholder: false, prefix } : { address: placeholder(iface.segment), placeholder: true, prefix };
    }
  }
  return { subnets, attachments };
}
