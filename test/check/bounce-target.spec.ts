// The third host a check adds for the bounce (harness/check/bounce-target.ts): on the client's
// segment, at the highest free host addresses of its subnets, a topology pinhole loads back.
import { expect, test } from '@playwright/test';
import { labTopologyOf, withBounceTarget } from '../../harness/check/bounce-target.ts';
import { loadTopology } from '../../harness/topology/load-topology.ts';

test('added on the client\'s segment, in every family it has, past the addresses in use', async () => {
  const routed = withBounceTarget(await loadTopology('topologies/routed.topo.yaml'))!;
  // .254 is the firewall's and .255 the broadcast: .253.
  expect(routed.nodes['bounce-target']).toEqual({ kind: 'host', interfaces: { eth0: { segment: 'lan', address: '192.168.10.253/24' } } });
  const dual = withBounceTarget(await loadTopology('topologies/routed-dualstack.topo.yaml'))!;
  expect(dual.nodes['bounce-target']!.interfaces.eth0!.address).toEqual(['192.168.10.253/24', '2001:db8:10:0:ffff:ffff:ffff:fffe/64']);
  // A topology with a host of its own keeps it; a check without the bounce needs none.
  const bounce = await loadTopology('topologies/routed-bounce.topo.yaml');
  expect(withBounceTarget(bounce)).toBeUndefined();
  const plain = await loadTopology('topologies/routed.topo.yaml');
  expect(labTopologyOf({ security: ['pinhole-scope'] }, plain)).toBe(plain);
  expect(Object.keys(labTopologyOf({}, plain).nodes)).toEqual(['client', 'fw', 'server', 'bounce-target']);
});
