// The IPv4 side Docker networks need (harness/drivers/docker/ipv4-plan.ts): an IPv6-only
// segment gets a placeholder /24 from 100.64.0.0/10 that overlaps none of the topology's own
// subnets, and its attachments placeholder addresses past the bridge's .1 and the topology's own;
// everything with an IPv4 address of its own keeps it. A pure function: no engine needed (the
// file name keeps it out of the docker project).
import { expect, test } from '@playwright/test';
import { dockerIpv4Plan } from '../../../harness/drivers/docker/ipv4-plan.ts';
import { loadTopology, parseTopology } from '../../../harness/topology/load-topology.ts';

test('IPv6-only segments get placeholder subnets and addresses; IPv4 ones keep their own', async () => {
  const plan = dockerIpv4Plan(await loadTopology('topologies/nat-ftp-ipv6.topo.yaml'));
  expect(plan.subnets).toEqual({ cr: '100.64.0.0/24', sr: '100.64.1.0/24' });
  expect(plan.attachments).toEqual({
    client: { c_r: { address: '100.64.0.2', placeholder: true, prefix: 24 } },
    fw: { r_c: { address: '100.64.0.3', placeholder: true, prefix: 24 }, r_s: { address: '100.64.1.2', placeholder: true, prefix: 24 } },
    server: { s_r: { address: '100.64.1.3', placeholder: true, prefix: 24 } },
  });
  const routed = dockerIpv4Plan(await loadTopology('topologies/routed.topo.yaml'));
  expect(routed.subnets).toEqual({ lan: '192.168.10.0/24', wan: '203.0.113.0/24' });
  expect(routed.attachments.fw).toEqual({ lan0: { address: '192.168.10.254', placeholder: false, prefix: 24 }, wan0: { address: '203.0.113.254', placeholder: false, prefix: 24 } });
});

test('a placeholder subnet skips the topology\'s own subnets in 100.64.0.0/10, and a placeholder address its own addresses', () => {
  const spec = parseTopology(
    `name: shared
segments:
  a: { subnet: 100.64.0.0/23 }
  b: { subnet: "2001:db8:1::/64" }
  c: { subnet: ["100.64.2.0/24", "2001:db8:2::/64"] }
nodes:
  client:
    kind: ftp-client
    interfaces:
      eth0: { segment: b, address: "2001:db8:1::10/64" }
      eth1: { segment: c, address: "2001:db8:2::10/64" }
  fw:
    kind: firewall
    interfaces:
      b0: { segment: b, address: "2001:db8:1::1/64" }
      a0: { segment: a, address: 100.64.0.1/23 }
      c0: { segment: c, address: [100.64.2.2/24, "2001:db8:2::1/64"] }
  server:
    kind: ftp-server
    interfaces:
      eth0: { segment: a, address: 100.64.0.10/23 }
`,
    'inline.topo.yaml',
  );
  const plan = dockerIpv4Plan(spec);
  // 100.64.0.0/24 and .1.0/24 lie in segment a's /23, .2.0/24 is segment c's: b gets .3.0/24.
  expect(plan.subnets).toEqual({ a: '100.64.0.0/23', b: '100.64.3.0/24', c: '100.64.2.0/24' });
  // On the dual-stack segment c, the client has no IPv4 address: a placeholder past fw's .2.
  expect(plan.attachments.client).toEqual({ eth0: { address: '100.64.3.2', placeholder: true, prefix: 24 }, eth1: { address: '100.64.2.3', placeholder: true, prefix: 24 } });
});

test('placeholders avoid what the host routes (a VPN on 100.64.0.0/10), falling back to 198.18.0.0/15', async () => {
  const spec = await loadTopology('topologies/nat-ftp-ipv6.topo.yaml');
  expect(dockerIpv4Plan(spec, ['100.64.0.0/24', '100.64.1.0/24']).subnets).toEqual({ cr: '100.64.2.0/24', sr: '100.64.3.0/24' });
  // Tailscale routes all of 100.64.0.0/10.
  expect(dockerIpv4Plan(spec, ['100.64.0.0/10']).subnets).toEqual({ cr: '198.18.0.0/24', sr: '198.18.1.0/24' });
});
