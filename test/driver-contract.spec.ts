// The driver contract, run against each driver (the netns and docker projects): `routed` comes
// up with the declared addresses, interface names and routes, takes a rule set in the firewall
// node, and leaves nothing behind.
import { existsSync } from 'node:fs';
import { driverFor } from '../harness/drivers/registry.ts';
import { TOPOLOGIES_DIR } from '../harness/paths.ts';
import { runDir } from '../harness/run-state.ts';
import { backendFor, snapshotRuleset } from '../harness/rulesets/firewall-backend.ts';
import { loadRuleset } from '../harness/rulesets/load-ruleset.ts';
import { loadTopology } from '../harness/topology/load-topology.ts';
import { expect, leftovers, test } from './support/driver-test.ts';

test('routed: addresses, interface names, routes, a rule set applied, nothing left', async ({ driverName }) => {
  const topology = await driverFor(driverName).up(await loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`));
  const id = topology.id;
  try {
    expect(topology.driver).toBe(driverName);
    const addrs = async (node: string) => {
      const links = JSON.parse((await topology.node(node).exec(['ip', '-j', 'addr', 'show'])).stdout) as Array<{ ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }>;
      return Object.fromEntries(links.filter((l) => l.ifname !== 'lo').map((l) => [l.ifname, l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)]));
    };
    // The names the topology declares are the names the node really has, and nothing more.
    expect(await addrs('fw')).toEqual({ lan0: ['192.168.10.254/24'], wan0: ['203.0.113.254/24'] });
    expect(await addrs('client')).toEqual({ eth0: ['192.168.10.10/24'] });
    expect(await addrs('server')).toEqual({ eth0: ['203.0.113.10/24'] });

    const defaultRoute = async (node: string) => (await topology.node(node).exec(['ip', 'route', 'show', 'default'])).stdout.trim();
    expect(await defaultRoute('client')).toMatch(/^default via 192\.168\.10\.254 dev eth0/);
    expect(await defaultRoute('server')).toMatch(/^default via 203\.0\.113\.254 dev eth0/);
    // The firewall routes only between its own segments: no way out to the host.
    expect(await defaultRoute('fw')).toBe('');
    expect((await topology.node('fw').exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');
    expect((await topology.node('client').exec(['ip', 'route', 'get', '203.0.113.10'])).stdout).toContain('via 192.168.10.254 dev eth0');

    const fw = topology.node('fw');
    for (const file of ['nft-helper.nft', 'iptables-ct-helper.rules']) {
      const rs = await loadRuleset(`suites/ftp-stateful/rulesets/${file}`);
      await backendFor(rs.format).apply(fw, rs);
      // iptables-nft keeps the CT target as an xtables extension, listed by nft as `xt target CT`.
      expect(await snapshotRuleset(fw)).toContain(rs.format === 'nft' ? 'ct helper ftp-standard' : 'tcp dport 21 counter packets 0 bytes 0 xt target CT');
    }
  } finally {
    await topology[Symbol.asyncDispose]();
  }
  expect(await leftovers(id)).toEqual([]);
  expect(existsSync(runDir(id))).toBe(false);
});
