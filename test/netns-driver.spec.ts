// The netns driver against the real kernel: `routed` comes up as declared (names, addresses,
// routes, forwarding), takes a rule set in the firewall node only, and leaves nothing behind.
import { test, expect } from '@playwright/test';
import { existsSync } from 'node:fs';
import { run } from '../harness/exec.ts';
import { NetnsDriver } from '../harness/drivers/netns/netns-driver.ts';
import { nodeNamespace } from '../harness/drivers/netns/netns-names.ts';
import { Lab } from '../harness/lab.ts';
import { TOPOLOGIES_DIR } from '../harness/paths.ts';
import { runDir } from '../harness/run-state.ts';
import { backendFor, snapshotRuleset } from '../harness/rulesets/firewall-backend.ts';
import { loadRuleset } from '../harness/rulesets/load-ruleset.ts';
import { loadTopology } from '../harness/topology/load-topology.ts';

const routed = () => loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`);
const namespaces = async () => (await run(['ip', 'netns', 'list'])).stdout;

test('routed comes up as declared, takes a rule set, and goes away completely', async () => {
  const hostRulesetBefore = (await run(['nft', 'list', 'ruleset'])).stdout;
  const topology = await new NetnsDriver().up(await routed());
  const id = topology.id;
  try {
    const fw = topology.node('fw');
    const links = JSON.parse((await fw.exec(['ip', '-j', 'addr', 'show'])).stdout) as Array<{ ifname: string; addr_info: Array<{ local: string; prefixlen: number }> }>;
    const addrOf = (name: string) => links.find((l) => l.ifname === name)?.addr_info.map((a) => `${a.local}/${a.prefixlen}`);
    // The names the topology declares are the names the node really has.
    expect(addrOf('lan0')).toContain('192.168.10.254/24');
    expect(addrOf('wan0')).toContain('203.0.113.254/24');
    expect((await fw.exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');

    expect((await topology.node('client').exec(['ip', 'route', 'show', 'default'])).stdout).toContain('default via 192.168.10.254 dev eth0');
    expect((await topology.node('server').exec(['ip', 'route', 'show', 'default'])).stdout).toContain('default via 203.0.113.254 dev eth0');
    // The kernel routes client -> server through the firewall's LAN address.
    expect((await topology.node('client').exec(['ip', 'route', 'get', '203.0.113.10'])).stdout).toContain('via 192.168.10.254 dev eth0');

    const rs = await loadRuleset('suites/ftp-stateful/rulesets/nft-helper.nft');
    await backendFor(rs.format).apply(fw, rs);
    expect(await snapshotRuleset(fw)).toContain('ct helper ftp-standard');
    // Applied in the firewall node only: the host's own rule set is exactly as before.
    expect((await run(['nft', 'list', 'ruleset'])).stdout).toBe(hostRulesetBefore);
    expect(await namespaces()).toContain(nodeNamespace(id, 'fw'));
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
