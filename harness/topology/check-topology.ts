/**
 * Cross-reference checks over a topology that already passed the schema: the facts no single
 * value can check on its own. Pure: the YAML document is only reached through `locate`, so
 * the checks can run on any spec.
 *
 * Every check reports and carries on, so one run shows every problem in the file.
 */
import ipaddr from 'ipaddr.js';
import { formatPath, formatProblem, type Locate, type YamlPath } from '../yaml-path.ts';
import { FORWARDING_KINDS, RULESET_KINDS, type NodeSpec, type TopologySpec } from './schema.ts';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
type Report = (path: YamlPath, message: string) => void;

/** One value of a one-or-a-list field, with where it sits: `[]` for the single form, `[i]` in a list. */
interface Entry {
  text: string;
  at: YamlPath;
}

function entriesOf(value: string | readonly string[] | undefined): Entry[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [{ text: value, at: [] }] : value.map((text, i) => ({ text, at: [i] }));
}

interface Attachment {
  node: string;
  kind: NodeSpec['kind'];
  ifname: string;
  segment: string;
  /** Parsed interface addresses with prefix length, at most one per family. */
  cidrs: Cidr[];
}

/** A segment's subnets, at most one per family. */
type Subnets = ReadonlyMap<string, Cidr[]>;

const familyName = (a: ipaddr.IPv4 | ipaddr.IPv6) => (a.kind() === 'ipv4' ? 'IPv4' : 'IPv6');
const sameFamily = (a: ipaddr.IPv4 | ipaddr.IPv6, b: ipaddr.IPv4 | ipaddr.IPv6) => a.kind() === b.kind();
const contains = ([net, bits]: Cidr, addr: ipaddr.IPv4 | ipaddr.IPv6) => sameFamily(net, addr) && addr.match(net, bits);
const cidrText = ([net, bits]: Cidr) => `${net.toString()}/${bits}`;
const where = (a: Attachment) => `${a.node} ${a.ifname}`;
const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : '(none)');

export function checkTopology(spec: TopologySpec, file: string, locate: Locate): string[] {
  const problems: string[] = [];
  const report: Report = (path, message) => problems.push(formatProblem(file, locate(path), path, message));
  const at = (path: YamlPath) => `${formatPath(path)} (line ${locate(path)})`;

  const subnets = new Map(Object.entries(spec.segments).map(([name, s]) => [name, entriesOf(s.subnet).map((e) => ipaddr.parseCIDR(e.text) as Cidr)]));
  checkRoles(spec, report);
  checkOverlaps(spec, report);
  const attachments = checkInterfaces(spec, subnets, report, at);
  checkSegmentUse(subnets, attachments, report);
  checkGateways(spec, attachments, report);
  return problems;
}

/** The harness needs something to test (client, server) and exactly one place to apply the rule set. */
function checkRoles(spec: TopologySpec, report: Report): void {
  const ofKind = (kind: NodeSpec['kind']) => Object.keys(spec.nodes).filter((n) => spec.nodes[n]?.kind === kind);
  const firewalls = ofKind('firewall');
  if (spec.rulesetOn !== undefined) {
    const on = spec.nodes[spec.rulesetOn];
    if (!on) report(['rulesetOn'], `unknown node ${spec.rulesetOn}; nodes: ${list(Object.keys(spec.nodes))}`);
    else if (!RULESET_KINDS.has(on.kind)) report(['rulesetOn'], `node ${spec.rulesetOn} is a ${on.kind}: the rule set under test goes on a ${[...RULESET_KINDS].join(', ')} node`);
  } else if (firewalls.length === 0) {
    report(['nodes'], 'no firewall node: give one node kind firewall (the node the rule set is applied to), or name the node that carries it with rulesetOn (the ftp-server or ftp-client for a host firewall)');
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
function checkOverlaps(spec: TopologySpec, report: Report): void {
  const seen: [string, Cidr][] = [];
  for (const [name, segment] of Object.entries(spec.segments)) {
    for (const { text, at } of entriesOf(segment.subnet)) {
      const cidr = ipaddr.parseCIDR(text) as Cidr;
      for (const [other, otherCidr] of seen) {
        if (contains(cidr, otherCidr[0]) || contains(otherCidr, cidr[0])) {
          report(['segments', name, 'subnet', ...at], `subnet ${cidrText(cidr)} of segment ${name} overlaps subnet ${cidrText(otherCidr)} of segment ${other}`);
        }
      }
      seen.push([name, cidr]);
    }
  }
}

/**
 * Every interface on a known segment, once per node and segment; each of its addresses unique,
 * in the segment's subnet of the same family, with that subnet's prefix.
 */
function checkInterfaces(spec: TopologySpec, subnets: Subnets, report: Report, at: (path: YamlPath) => string): Attachment[] {
  const attachments: Attachment[] = [];
  // Keyed by the normalized address, so 2001:db8::1 and 2001:0db8:0::1 are the same address.
  const owners = new Map<string, YamlPath>();
  for (const [node, nodeSpec] of Object.entries(spec.nodes)) {
    const segmentsOfNode = new Map<string, string>();
    for (const [ifname, iface] of Object.entries(nodeSpec.interfaces)) {
      const path = ['nodes', node, 'interfaces', ifname];
      const addresses = entriesOf(iface.address).map((e) => ({ ...e, cidr: ipaddr.parseCIDR(e.text) as Cidr, path: [...path, 'address', ...e.at] }));

      for (const { cidr, path: addressPath } of addresses) {
        const key = cidr[0].toNormalizedString();
        const owner = owners.get(key);
        if (owner) report(addressPath, `duplicate address ${cidr[0].toString()}: also assigned at ${at(owner)}`);
        else owners.set(key, addressPath);
      }

      const segmentSubnets = subnets.get(iface.segment);
      if (!segmentSubnets) {
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
      attachments.push({ node, kind: nodeSpec.kind, ifname, segment: iface.segment, cidrs: addresses.map((a) => a.cidr) });

      for (const { text, cidr, path: addressPath } of addresses) {
        checkAddressInSegment(text, cidr, iface.segment, segmentSubnets, (message) => report(addressPath, message));
      }
    }
  }
  return attachments;
}

/** One interface address against its segment's subnet of the same family. */
function checkAddressInSegment(text: string, [addr, bits]: Cidr, segment: string, segmentSubnets: readonly Cidr[], report: (message: string) => void): void {
  const subnet = segmentSubnets.find(([net]) => sameFamily(net, addr));
  if (!subnet) {
    const families = [...new Set(segmentSubnets.map(([net]) => familyName(net)))].join(' and ');
    report(
      `${text} is ${familyName(addr)} but segment ${segment} (${segmentSubnets.map(cidrText).join(', ')}) is ${families} only: ` +
        `it has no ${familyName(addr)} subnet (a dual-stack segment lists one subnet per family)`,
    );
    return;
  }
  const segmentText = `segment ${segment} (${cidrText(subnet)})`;
  const inside = contains(subnet, addr);
  if (!inside) report(`${text} is outside ${segmentText}`);
  if (bits !== subnet[1]) {
    report(`prefix length /${bits} differs from ${segmentText}; use /${subnet[1]}`);
  } else if (inside && addr.kind() === 'ipv4' && bits <= 30) {
    // /31 (RFC 3021) and /32 have no network or broadcast address to avoid.
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(text).toString();
    if (addr.toString() === network) report(`${addr.toString()} is the network address of ${segmentText}; use a host address`);
    else if (addr.toString() === broadcast) report(`${addr.toString()} is the broadcast address of ${segmentText}; use a host address`);
  }
}

/** A segment with one end is a bridge to nowhere: almost always a typo in a segment name. */
function checkSegmentUse(subnets: Subnets, attachments: readonly Attachment[], report: Report): void {
  for (const segment of subnets.keys()) {
    const on = attachments.filter((a) => a.segment === segment);
    if (on.length === 0) report(['segments', segment], `no interface attaches to segment ${segment}; a segment needs at least two`);
    else if (on.length === 1) {
      report(['segments', segment], `only one interface (${where(on[0]!)}) attaches to segment ${segment}; a segment needs at least two`);
    }
  }
}

/**
 * A default route must point at a forwarding node's address on a segment this node is on, and
 * the node needs an address of the gateway's family there to reach it.
 */
function checkGateways(spec: TopologySpec, attachments: readonly Attachment[], report: Report): void {
  for (const [node, nodeSpec] of Object.entries(spec.nodes)) {
    const mine = attachments.filter((a) => a.node === node);
    const mySegments = mine.map((a) => a.segment);
    for (const { text, at } of entriesOf(nodeSpec.gateway)) {
      const path = ['nodes', node, 'gateway', ...at];
      const gw = ipaddr.parse(text);
      const candidates = attachments
        .filter((a) => a.node !== node && FORWARDING_KINDS.has(a.kind) && mySegments.includes(a.segment))
        .flatMap((a) => a.cidrs.filter(([addr]) => sameFamily(addr, gw)).map(([addr]) => `${addr.toString()} (${where(a)} on ${a.segment})`));
      const valid = `valid gateways for ${node}: ${list(candidates)}`;
      const owner = attachments.find((a) => a.cidrs.some(([addr]) => sameFamily(addr, gw) && addr.toNormalizedString() === gw.toNormalizedString()));

      if (!owner) {
        report(path, `gateway ${text} is not the address of any interface in this topology; ${valid}`);
      } else if (owner.node === node) {
        report(path, `gateway ${text} is ${node}'s own address (${owner.ifname}); ${valid}`);
      } else if (!FORWARDING_KINDS.has(owner.kind)) {
        report(path, `gateway ${text} belongs to ${where(owner)}, an ${owner.kind} node; a gateway must be a firewall or router interface; ${valid}`);
      } else if (!mySegments.includes(owner.segment)) {
        report(
          path,
          `gateway ${text} (${where(owner)}) is on segment ${owner.segment}, ` +
            (mySegments.length > 0 ? `but ${node} is only on ${mySegments.join(', ')}` : `but ${node} is on no known segment`) +
            `; ${valid}`,
        );
      } else {
        const local = mine.find((a) => a.segment === owner.segment)!;
        if (!local.cidrs.some(([addr]) => sameFamily(addr, gw))) {
          report(
            path,
            `gateway ${text} is ${familyName(gw)} but ${node} has no ${familyName(gw)} address on segment ${owner.segment}: ` +
              `give ${local.ifname} one, or the route cannot reach its gateway`,
          );
        }
      }
    }
  }
}
