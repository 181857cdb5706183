// The driver contract, run against each driver (the netns and docker projects): `routed` comes
// up with the declared addresses, interface names and routes, takes a rule set in the firewall
// node, and leaves nothing behind; programs started in a node can be stopped there.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { driverFor } from '../../harness/drivers/registry.ts';
import { startFtpServer } from '../../harness/nodes/start-ftp-server.ts';
import { TOPOLOGIES_DIR } from '../../harness/paths.ts';
import { runDir } from '../../harness/run-state.ts';
import { backendFor, snapshotRuleset } from '../../harness/rulesets/firewall-backend.ts';
import { loadRuleset } from '../../harness/rulesets/load-ruleset.ts';
import { startFtpClient } from '../../harness/probes/start-ftp-client.ts';
import { loadTopology } from '../../harness/topology/load-topology.ts';
import { expect, leftovers, test } from '../support/driver-test.ts';

/**
 * The host's own routes of both families, as `ip route` lists them, but for link-local and
 * multicast ones: every interface that comes up has those (a Docker bridge and its veths too),
 * and they lead nowhere beyond the link.
 */
const hostRoutes = () =>
  ['-4', '-6']
    .flatMap((family) => spawnSync('ip', [family, 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout.split('\n'))
    .filter((line) => line && !/(^|\s)(fe80::|ff00::\/8)/.test(line))
    .join('\n');

test('routed: addresses, interface names, routes, a rule set applied, the host\'s routes untouched while it is up, nothing left', async ({ driverName }) => {
  const routesBefore = hostRoutes();
  const topology = await driverFor(driverName).up(await loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`));
  const id = topology.id;
  try {
    // Not even for as long as the lab is up: a route of the host's into 203.0.113.0/24 would
    // take the host's own traffic to real addresses there (one CI machine's Debian mirror is).
    expect(hostRoutes()).toBe(routesBefore);
    expect(spawnSync('ip', ['route', 'get', '203.0.113.10'], { encoding: 'utf8' }).stdout).not.toMatch(/ dev (br-|pinhole)/);
    expect(topology.driver).toBe(driverName);
    // In the topology's order on every driver: the lab's "first client" is the same node.
    expect(topology.nodes().map((n) => n.name)).toEqual(['client', 'fw', 'server']);
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

test('routed-dualstack: both families as declared, forwarding on the firewall only, the host untouched, nothing left', async ({ driverName }) => {
  // Read, never written: a Docker network with IPv6 would set the host's IPv6 forwarding for good.
  const hostForwarding = () => readFileSync('/proc/sys/net/ipv6/conf/all/forwarding', 'utf8').trim();
  const before = hostForwarding();
  const topology = await driverFor(driverName).up(await loadTopology(`${TOPOLOGIES_DIR}/routed-dualstack.topo.yaml`));
  const id = topology.id;
  try {
    // Global addresses only: link-locals are every IPv6 interface's own (a router needs them).
    const addrs = async (node: string, family: 'inet' | 'inet6') => {
      const links = JSON.parse((await topology.node(node).exec(['ip', '-j', 'addr', 'show', 'scope', 'global'])).stdout) as Array<{ ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }>;
      return Object.fromEntries(links.map((l) => [l.ifname, l.addr_info.filter((a) => a.family === family).map((a) => `${a.local}/${a.prefixlen}`)]));
    };
    expect(await addrs('fw', 'inet6')).toEqual({ lan0: ['2001:db8:10::254/64'], wan0: ['2001:db8:20::254/64'] });
    expect(await addrs('fw', 'inet')).toEqual({ lan0: ['192.168.10.254/24'], wan0: ['203.0.113.254/24'] });
    expect(await addrs('client', 'inet6')).toEqual({ eth0: ['2001:db8:10::10/64'] });
    expect(await addrs('server', 'inet6')).toEqual({ eth0: ['2001:db8:20::10/64'] });

    // Usable at once: no address waits for duplicate address detection, link-locals included
    // (a router needs its link-local to solicit neighbours for the packets it forwards).
    for (const node of ['client', 'fw', 'server']) {
      const links = JSON.parse((await topology.node(node).exec(['ip', '-j', '-6', 'addr', 'show'])).stdout) as Array<{ ifname: string; addr_info: Array<{ local: string; scope: string; tentative?: boolean }> }>;
      const ifaces = links.filter((l) => l.ifname !== 'lo');
      expect(ifaces.every((l) => l.addr_info.some((a) => a.scope === 'link')), `${node} has a link-local on every interface`).toBe(true);
      expect(ifaces.flatMap((l) => l.addr_info.filter((a) => a.tentative).map((a) => `${l.ifname} ${a.local}`)), node).toEqual([]);
    }

    const defaultRoute = async (node: string, family: '-4' | '-6') => (await topology.node(node).exec(['ip', family, 'route', 'show', 'default'])).stdout.trim();
    expect(await defaultRoute('client', '-6')).toMatch(/^default via 2001:db8:10::254 dev eth0 /);
    expect(await defaultRoute('client', '-4')).toMatch(/^default via 192\.168\.10\.254 dev eth0/);
    expect(await defaultRoute('server', '-6')).toMatch(/^default via 2001:db8:20::254 dev eth0 /);
    expect(await defaultRoute('fw', '-6')).toBe('');
    expect((await topology.node('client').exec(['ip', 'route', 'get', '2001:db8:20::10'])).stdout).toContain('via 2001:db8:10::254 dev eth0');

    const forwarding = async (node: string) =>
      (await topology.node(node).exec(['sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.ipv6.conf.all.accept_ra'])).stdout.split('\n').filter(Boolean);
    expect(await forwarding('fw')).toEqual(['1', '1', '0']);
    expect(await forwarding('client')).toEqual(['0', '0', '0']);
    expect(await forwarding('server')).toEqual(['0', '0', '0']);

    expect(topology.node('server').address('wan')).toBe('203.0.113.10');
    expect(topology.node('server').address('wan', 'ipv6')).toBe('2001:db8:20::10');
  } finally {
    await topology[Symbol.asyncDispose]();
  }
  expect(hostForwarding()).toBe(before);
  expect(await leftovers(id)).toEqual([]);
  expect(existsSync(runDir(id))).toBe(false);
});

// Real clients run once per job inside the client node. Stopping one must kill it there (on
// docker, killing the `docker exec` CLI would leave it running in the container) and still
// answer a report with the phases reached. A data connection the firewall drops keeps each
// client waiting in data-connect until it is aborted.
test('real clients: abort kills the client inside the node, the report says aborted with its phases', async ({ driverName }) => {
  const spec = await loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`);
  const topology = await driverFor(driverName).up(spec);
  const id = topology.id;
  try {
    const serverSpec = spec.nodes.server!;
    if (serverSpec.kind !== 'ftp-server') throw new Error('routed: server is not an ftp-server');
    await using ftp = await startFtpServer('vsftpd', topology.node('server'), serverSpec.ftp);
    const noHelper = await loadRuleset('suites/ftp-stateful/rulesets/no-helper.nft');
    await backendFor(noHelper.format).apply(topology.node('fw'), noHelper);
    const client = topology.node('client');
    for (const kind of ['curl', 'lftp'] as const) {
      await using ftpClient = await startFtpClient(kind, client);
      const job = { host: '203.0.113.10', port: ftp.info.port, user: ftp.info.user, password: ftp.info.password, mode: 'EPSV' as const, command: 'RETR' as const, path: ftp.info.testFile.path, timeoutMs: 20_000 };
      let announced: () => void = () => undefined;
      const endpoint = new Promise<void>((resolve) => (announced = resolve));
      const { id: jobId, report } = ftpClient.run(job, () => announced());
      await endpoint;
      ftpClient.abort(jobId);
      const r = await report;
      expect(r.failure, kind).toMatchObject({ phase: 'data-connect', kind: 'aborted' });
      expect(r.phases.map((p) => `${p.phase} ${p.ok}`), kind).toEqual(['control-connect true', 'greeting true', 'login true', 'mode true', 'data-connect false']);
      expect(r.dataEndpoint?.port, kind).toBeGreaterThanOrEqual(50000);
      expect(r.durationMs, kind).toBeLessThan(job.timeoutMs);
      // Only this node's processes: on netns, pgrep sees the whole host (no PID namespace), where
      // other tests' clients may be running at the same moment.
      const inThisNode = ['sh', '-c', 'me=$(readlink /proc/self/ns/net); for p in $(pgrep -x "$0"); do [ "$(readlink /proc/$p/ns/net)" = "$me" ] && echo "$p"; done; true', kind];
      expect((await client.exec(inThisNode)).stdout.trim(), `${kind} still runs in the client node`).toBe('');
    }
  } finally {
    await topology[Symbol.asyncDispose]();
  }
  expect(await leftovers(id)).toEqual([]);
});
