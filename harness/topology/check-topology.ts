/**
 * Cross-reference checks over a topology that already passed the schema: the facts no single
 * value can check on its own. Pure: the YAML document is only reached through `locate`, so
 * the checks can run on any spec.
 *
 * Every check reports and carries on, so one run shows every problem in the file.
 */
import ipaddr from 'ipaddr.js';
import { FORWARDING_KINDS, type NodeSpec, type TopologySpec } from './schema.ts';

/** A place in the YAML document: keys of maps, indexes of sequences. */
export type YamlPath = readonly (string | number)[];
/** The 1-based line of the YAML node at `path` (or of its nearest existing parent). */
export type Locate = (path: YamlPath) => number;

/** `nodes.client.interfaces.eth0`; odd keys are quoted so the path stays unambiguous. */
export function formatPath(path: YamlPath): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key) => (typeof key === 'string' && /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(String(key))))
    .join('.');
}

/** The one problem format of pinhole: `FILE:LINE: PATH: MESSAGE`. */
export function formatProblem(file: string, line: number, path: YamlPath, message: string): string {
  return `${file}:${line}: ${formatPath(path)}: ${message}`;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
type Report = (path: YamlPath, message: string) => void;

interface Attachment {
  node: string;
  kind: NodeSpec['kind'];
  ifname: string;
  segment: string;
  /** Parsed interface address and prefix length. */
  cidr: Cidr;
}

const familyName = (a: ipaddr.IPv4 | ipaddr.IPv6) => (a.kind() === 'ipv4' ? 'IPv4' : 'IPv6');
const sameFamily = (a: ipaddr.IPv4 | ipaddr.IPv6, b: ipaddr.IPv4 | ipaddr.IPv6) => a.kind() === b.kind();
const contains = ([net, bits]: Cidr, addr: ipaddr.IPv4 | ipaddr.IPv6) => sameFamily(net, addr) && addr.match(net, bits);
const where = (a: Attachment) => `${a.node} ${a.ifname}`;
const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : '(none)');

export function checkTopology(spec: TopologySpec, file: string, locate: Locate): string[] {
  const problems: string[] = [];
  const report: Report = (path, message) => problems.push(formatProblem(file, locate(path), path, message));
  const at = (path: YamlPath) => `${formatPath(path)} (line ${locate(path)})`;

  const subnets = new Map(Object.entries(spec.segments).map(([name, s]) => [name, ipaddr.parseCIDR(s.subnet) as Cidr]));
  checkRoles(spec, report);
  checkOverlaps(subnets, report);
  const attachments = checkInterfaces(spec, subnets, report, at);
  checkSegmentUse(subnets, attachments, report);
  checkGateways(spec, attachments, report);
  return problems;
}

/** The harness needs something to test (client, server) and exactly one place to apply the rule set. */
function checkRoles(spec: TopologySpec, report: Report): void {
  const ofKind = (kind: NodeSpec['kind']) => Object.keys(spec.nodes).filter((n) => spec.nodes[n]?.kind === kind);
  const firewalls = ofKind('firewall');
  if (firewalls.length === 0) {
    report(['nodes'], 'no firewall node: exactly one node must have kind firewall (the node the rule set is applied to)');
  }
  for (const extra of firewalls.slice(1)) {
    report(
      ['nodes', extra, 'kind'],
      `more than one firewall node (${firewalls.join(', ')}): exactly one node gets the rule set under test; ` +
        'use kind router for the other forwarding nodes',
    );
  }
  if (ofKind('ftp-client').length === 0) report(['nodes'], 'no ftp-client node: at least one node must have kind ftp-client');
  if (ofKind('ftp-server').length === 0) report(['nodes'], 'no ftp-server node: at least one node must have kind ftp-server');
}

/** Overlapping segments would make routing ambiguous: the kernel picks one connected route. */
function checkOverlaps(subnets: ReadonlyMap<string, Cidr>, report: Report): void {
  const seen: [string, Cidr][] = [];
  for (const [name, cidr] of subnets) {
    for (const [other, otherCidr] of seen) {
      if (contains(cidr, otherCidr[0]) || contains(otherCidr, cidr[0])) {
        report(
          ['segments', name, 'subnet'],
          `subnet ${cidr[0].toString()}/${cidr[1]} of segment ${name} overlaps subnet ` +
            `${otherCidr[0].toString()}/${otherCidr[1]} of segment ${other}`,
        );
      }
    }
    seen.push([name, cidr]);
  }
}

/** Every interface on a known segment, in its subnet, with its prefix, once per node and segment. */
function checkInterfaces(
  spec: TopologySpec,
  subnets: ReadonlyMap<string, Cidr>,
  report: Report,
  at: (path: YamlPath) => string,
): Attachment[] {
  const attachments: Attachment[] = [];
  // Keyed by the normalized address, so 2001:db8::1 and 2001:0db8:0::1 are the same address.
  const owners = new Map<string, YamlPath>();
  for (const [node, nodeSpec] of Object.entries(spec.nodes)) {
    const segmentsOfNode = new Map<string, string>();
    for (const [ifname, iface] of Object.entries(nodeSpec.interfaces)) {
      const path = ['nodes', node, 'interfaces', ifname];
      const cidr = ipaddr.parseCIDR(iface.address) as Cidr;
      const [addr, bits] = cidr;

      const key = addr.toNormalizedString();
      const owner = owners.get(key);
      if (owner) report([...path, 'address'], `duplicate address ${addr.toString()}: also assigned at ${at(owner)}`);
      else owners.set(key, [...path, 'address']);

      const subnet = subnets.get(iface.segment);
      if (!subnet) {
        report([...path, 'segment'], `unknown segment ${JSON.stringify(iface.segment)}; known segments: ${list([...subnets.keys()])}`);
        continue;
      }
      const twin = segmentsOfNode.get(iface.segment);
      if (twin !== undefined) {
        report(
          [...path, 'segment'],
          `${node} already attaches ${twin} to segment ${iface.segment}; a node may have only one interface per segment`,
        );
      }
      segmentsOfNode.set(iface.segment, ifname);
      attachments.push({ node, kind: nodeSpec.kind, ifname, segment: iface.segment, cidr });

      const [net, netBits] = subnet;
      const segmentText = `segment ${iface.segment} (${net.toString()}/${netBits})`;
      if (!sameFamily(addr, net)) {
        report([...path, 'address'], `${iface.address} is ${familyName(addr)} but ${segmentText} is ${familyName(net)}`);
        continue;
      }
      const inside = contains(subnet, addr);
      if (!inside) report([...path, 'address'], `${iface.address} is outside ${segmentText}`);
      if (bits !== netBits) {
        report([...path, 'address'], `prefix length /${bits} differs from ${segmentText}; use /${netBits}`);
      } else if (inside && addr.kind() === 'ipv4' && bits <= 30) {
        // /31 (RFC 3021) and /32 have no network or broadcast address to avoid.
        const network = ipaddr.IPv4.networkAddressFromCIDR(iface.address).toString();
        const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(iface.address).toString();
        if (addr.toString() === network) {
          report([...path, 'address'], `${addr.toString()} is the network address of ${segmentText}; use a host address`);
        } else if (addr.toString() === broadcast) {
          report([...path, 'address'], `${addr.toString()} is the broadcast address of ${segmentText}; use a host address`);
        }
      }
    }
  }
  return attachments;
}

/** A segment with one end is a bridge to nowhere: almost always a typo in a segment name. */
function checkSegmentUse(subnets: ReadonlyMap<string, Cidr>, attachments: readonly Attachment[], report: Report): void {
  for (const segment of subnets.keys()) {
    const on = attachments.filter((a) => a.segment === segment);
    if (on.length === 0) report(['segments', segment], `no interface attaches to segment ${segment}; a segment needs at least two`);
    else if (on.length === 1) {
      report(['segments', segment], `only one interface (${where(on[0]!)}) attaches to segment ${segment}; a segment needs at least two`);
    }
  }
}

/** A default route must point at a forwarding node's address on a segment this node is on. */
function checkGateways(spec: TopologySpec, attachments: readonly Attachment[], report: Report): void {
  for (const [node, nodeSpec] of Object.entries(spec.nodes)) {
    if (nodeSpec.gateway === undefined) continue;
    const path = ['nodes', node, 'gateway'];
    const gw = ipaddr.parse(nodeSpec.gateway);
    const mySegments = attachments.filter((a) => a.node === node).map((a) => a.segment);
    const candidates = attachments.filter(
      (a) => a.node !== node && FORWARDING_KINDS.has(a.kind) && mySegments.includes(a.segment),
    );
    const valid = `valid gateways for ${node}: ${list(candidates.map((a) => `${a.cidr[0].toString()} (${where(a)} on ${a.segment})`))}`;
    const owner = attachments.find((a) => sameFamily(a.cidr[0], gw) && a.cidr[0].toNormalizedString() === gw.toNormalizedString());

    if (!owner) {
      report(path, `gateway ${nodeSpec.gateway} is not the address of any interface in this topology; ${valid}`);
    } else if (owner.node === node) {
      report(path, `gateway ${nodeSpec.gateway} is ${node}'s own address (${owner.ifname}); ${valid}`);
    } else if (!FORWARDING_KINDS.has(owner.kind)) {
      report(
        path,
        `gateway ${nodeSpec.gateway} belongs to ${where(owner)}, an ${owner.kind} node; ` +
          `a gateway must be a firewall or router interface; ${valid}`,
      );
    } else if (!mySegments.includes(owner.segment)) {
      report(
        path,
        `gateway ${nodeSpec.gateway} (${where(owner)}) is on segment ${owner.segment}, ` +
          (mySegments.length > 0 ? `but ${node} is only on ${mySegments.join(', ')}` : `but ${node} is on no known segment`) +
          `; ${valid}`,
      );
    }
  }
}
