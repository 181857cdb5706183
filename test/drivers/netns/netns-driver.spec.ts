// What only the netns driver promises (the shared contract is in driver-contract.spec.ts): the
// host's own namespace is never touched, processes die with the lab, crashed runs are cleaned.
import { test, expect } from '@playwright/test';
import { existsSync } from 'node:fs';
import { run } from '../../../harness/exec.ts';
import { NetnsDriver } from '../../../harness/drivers/netns/netns-driver.ts';
import { nodeNamespace, segmentNamespace } from '../../../harness/drivers/netns/netns-names.ts';
import { Lab } from '../../../harness/lab/lab.ts';
import { TOPOLOGIES_DIR } from '../../../harness/paths.ts';
import { runDir } from '../../../harness/run-state.ts';
import { backendFor, snapshotRuleset } from '../../../harness/rulesets/firewall-backend.ts';
import { loadRuleset } from '../../../harness/rulesets/load-ruleset.ts';
import { loadTopology } from '../../../harness/topology/load-topology.ts';

const routed = () => loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`);
const namespaces = async () => (await run(['ip', 'netns', 'list'])).stdout;

/*
 * The host's links, routes, addresses and rules, read only. A Docker engine on the same machine
 * changes its own devices and rule counters whenever any container talks: those lines are left
 * out (pinhole's netns devices are named v<N> and after the topology, never like Docker's).
 */
const DOCKER_DEVICE = /\b(?:docker\d+|br-[0-9a-f]{12}|veth[0-9a-f]{7})\b/;
async function hostView(): Promise<string[]> {
  const lines = async (argv: string[]) => (await run(argv)).stdout.split('\n').filter((l) => !DOCKER_DEVICE.test(l));
  const views = [['ip', '-o', 'link'], ['ip', 'route'], ['ip', '-6', 'route'], ['ip', '-o', 'addr'], ['nft', '-s', 'list', 'ruleset']];
  return (await Promise.all(views.map(lines))).flat();
}

test('segments live in namespaces of their own: the host gains no link, route or rule', async () => {
  const before = await hostView();
  const topology = await new NetnsDriver().up(await routed());
  const id = topology.id;
  try {
    const rs = await loadRuleset('suites/ftp-stateful/rulesets/helper-masquerade.nft');
    await backendFor(rs.format).apply(topology.node('fw'), rs);
    expect(await snapshotRuleset(topology.node('fw'))).toContain('masquerade');
    // Bridges and veth peers are inside pinhole's own namespaces, rules inside the firewall's.
    expect(await hostView()).toEqual(before);
    expect(await namespaces()).toContain(nodeNamespace(id, 'fw'));
  } finally {
    await topology[Symbol.asyncDispose]();
  }
  expect(await namespaces()).not.toContain(id);
  expect(existsSync(runDir(id))).toBe(false);
});

test('dual stack: segments carry no IPv6 of their own, nodes take no router advertisement, the host gains nothing', async () => {
  const before = await hostView();
  const topology = await new NetnsDriver().up(await loadTopology(`${TOPOLOGIES_DIR}/routed-dualstack.topo.yaml`));
  const id = topology.id;
  try {
    // The bridges are plain L2: no address of any family, not even a link-local.
    for (const segment of ['lan', 'wan']) {
      const addrs = (await run(['ip', '-n', segmentNamespace(id, segment), '-o', 'addr', 'show'])).stdout;
      expect(addrs.split('\n').filter((l) => l.includes('inet')).filter((l) => !/ lo /.test(l))).toEqual([]);
    }
    // Every node interface: no RA, no SLAAC, no duplicate address detection; IPv6 forwarding per interface on the firewall only.
    for (const [node, ifnames, forwards] of [['client', ['eth0'], '0'], ['fw', ['lan0', 'wan0'], '1'], ['server', ['eth0'], '0']] as const) {
      for (const ifname of ifnames) {
        const conf = (key: string) => `net.ipv6.conf.${ifname}.${key}`;
        const r = await topology.node(node).exec(['sysctl', '-n', conf('accept_ra'), conf('autoconf'), conf('accept_dad'), conf('forwarding')]);
        expect(r.stdout.split('\n').filter(Boolean), `${node} ${ifname}`).toEqual(['0', '0', '0', forwards]);
      }
    }
    // Nothing but the declared prefixes, link-local and the default route in the client's main table.
    const routes = JSON.parse((await topology.node('client').exec(['ip', '-j', '-6', 'route', 'show'])).stdout) as Array<{ dst: string; gateway?: string }>;
    expect(routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}`).sort()).toEqual(['2001:db8:10::/64', 'default via 2001:db8:10::254', 'fe80::/64']);
    expect(await hostView()).toEqual(before);
  } finally {
    await topology[Symbol.asyncDispose]();
  }
  expect(await namespaces()).not.toContain(id);
  expect(existsSync(runDir(id))).toBe(false);
});

test('a lab with running services leaves no process and no namespace', async () => {
  const lab = await Lab.up(await routed(), new NetnsDriver());
  const id = lab.topology.id;
  const serverNs = nodeNamespace(id, 'server');
  expect((await run(['ip', 'netns', 'pids', serverNs])).stdout.trim()).not.toBe('');
  await lab[Symbol.asyncDispose]();
  expect(await namespaces()).not.toContain(id);
  // No process of the lab is left anywhere on the host: vsftpd, probe agent and trace monitor
  // all ran with the run's state directory or namespace on their command line.
  const ps = await run(['ps', '-eo', 'args']);
  expect(ps.stdout.split('\n').filter((l) => l.includes(`/run/pinhole/${id}`) || l.includes(`pinhole-${id}-`))).toEqual([]);
});

test('clean removes what a killed run left and spares live runs', async () => {
  // A run whose owner was SIGKILLed: bring a topology up in a child process and kill it.
  const script = `
    import { NetnsDriver } from '${process.cwd()}/harness/drivers/netns/netns-driver.ts';
    import { loadTopology } from '${process.cwd()}/harness/topology/load-topology.ts';
    const t = await new NetnsDriver().up(await loadTopology('${TOPOLOGIES_DIR}/routed.topo.yaml'));
    console.log(t.id);
    setInterval(() => {}, 1000);`;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const id = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  const live = await new NetnsDriver().up(await routed());
  try {
    expect(await namespaces()).toContain(`pinhole-${id}-`);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const removed = await new NetnsDriver().clean();
    expect(removed).toContain(nodeNamespace(id, 'fw'));
    expect(await namespaces()).not.toContain(`pinhole-${id}-`);
    // The live run (owned by this test process) is untouched.
    expect(await namespaces()).toContain(nodeNamespace(live.id, 'fw'));
  } finally {
    await live[Symbol.asyncDispose]();
  }
});

test('two cleans at once remove a killed run without tripping over each other', async () => {
  // Every `pinhole run` cleans at start and end, so on a shared machine two may race for one leftover.
  const script = `
    import { NetnsDriver } from '${process.cwd()}/harness/drivers/netns/netns-driver.ts';
    import { loadTopology } from '${process.cwd()}/harness/topology/load-topology.ts';
    const t = await new NetnsDriver().up(await loadTopology('${TOPOLOGIES_DIR}/routed-dualstack.topo.yaml'));
    console.log(t.id);
    setInterval(() => {}, 1000);`;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const id = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const removed = await Promise.all([new NetnsDriver().clean(), new NetnsDriver().clean()]);
  expect(removed.flat()).toContain(nodeNamespace(id, 'fw'));
  expect(await namespaces()).not.toContain(`pinhole-${id}-`);
  expect(existsSync(runDir(id))).toBe(false);
});
