/**
 * Which of a firewall's interfaces faces the client and which the server, read from the topology:
 * the firewall interface on the first segment reached when walking from that node through
 * segments and other nodes, never through the firewall. In a double-NAT topology the client sits
 * behind a home gateway, not on a segment of the firewall: its side is still where its traffic
 * enters the firewall.
 */
import type { TopologySpec } from '../topology/schema.ts';

export function firewallSides(spec: TopologySpec, firewall: string, client: string, server: string): { client: string; server: string } {
  return { client: sideToward(spec, firewall, client), server: sideToward(spec, firewall, server) };
}

function sideToward(spec: TopologySpec, firewall: string, from: string): string {
  const fw = spec.nodes[firewall];
  if (!fw) throw new Error(`topology ${spec.name} has no node ${firewall}`);
  const segmentsOf = (node: string) => Object.values(spec.nodes[node]?.interfaces ?? {}).map((i) => i.segment);
  const seenNodes = new Set([from, firewall]);
  const seenSegments = new Set<string>();
  // Breadth first: the nearest way in, when a node could reach the firewall by two paths.
  let frontier = segmentsOf(from);
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const segment of frontier) {
      if (seenSegments.has(segment)) continue;
      seenSegments.add(segment);
      const side = Object.entries(fw.interfaces).find(([, i]) => i.segment === segment);
      if (side) return side[0];
      for (const [name, node] of Object.entries(spec.nodes)) {
        if (seenNodes.has(name) || !Object.values(node.interfaces).some((i) => i.segment === segment)) continue;
        seenNodes.add(name);
        next.push(...segmentsOf(name));
      }
    }
    frontier = next;
  }
  throw new Error(`topology ${spec.name}: node ${from} has no path to firewall ${firewall}`);
}
