/**
 * NetnsDriver: each node is a Linux network namespace; each segment is a bridge inside a
 * namespace of its own, so nothing is ever created in the host's network namespace (no host
 * bridge, no host-side veth, no host route or sysctl). Nodes are joined to their segment's
 * bridge by veth pairs whose node-side end carries the interface name the topology declares,
 * so a rule set written for `lan0`/`wan0` applies unchanged.
 *
 *   [ns client] eth0 ==veth== v0 -[br0 in ns seg-lan]- v1 ==veth== lan0 [ns fw] wan0 ==veth== ...
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRun, run, start, waitFor } from '../../exec.ts';
import { runIpCommands } from '../ip-commands.ts';
import { HostError } from '../../errors.ts';
import { onPath } from '../../on-path.ts';
import { claimRun, type CleanScope, cleanRemoves, knownRunIds, newRunId, releaseRun, runDir } from '../../run-state.ts';
import { cidrsOf, familyOf, gatewaysOf } from '../../topology/dual-stack.ts';
import type { NodeSpec, TopologySpec } from '../../topology/schema.ts';
import { assertSafeNames } from '../../topology/safe-names.ts';
import type { Driver, NodeHandle, PreflightProblem, StartedTopology } from '../driver.ts';
import { NodeBase, NodeMap } from '../node-base.ts';
import { nodeNamespace, runIdOfNamespace, segmentNamespace } from './netns-names.ts';

const FORWARDING_KINDS = new Set(['firewall', 'router']);

/** argv prefix that runs a program inside a named namespace (lighter than `ip netns exec`: no /sys remount). */
const inNamespace = (ns: string) => ['nsenter', `--net=/run/netns/${ns}`, '--'];

class NetnsNode extends NodeBase {
  constructor(
    name: string,
    spec: NodeSpec,
    readonly namespace: string,
    workDir: string,
  ) {
    super(name, spec, workDir);
  }

  exec(argv: readonly string[], opts?: Parameters<NodeHandle['exec']>[1]) {
    return run([...inNamespace(this.namespace), ...argv], opts);
  }

  spawn(argv: readonly string[]) {
    return start([...inNamespace(this.namespace), ...argv]);
  }
}

/*
 * IPv6 holds only what the topology declares. Segments are plain L2 bridges: no IPv6 at all in
 * their namespaces. Nodes accept no router advertisement and make no SLAAC address or route;
 * link-local addresses stay (a router needs one to solicit neighbours for forwarded packets)
 * and skip duplicate address detection, so they are usable at once. Forwarding nodes forward
 * both families (writing `all.forwarding` sets `default` too, so their interfaces inherit it);
 * no other node forwards either.
 * Written inside each namespace: /proc/sys/net belongs to the namespace of the writer.
 */
const SEGMENT_SYSCTLS = ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
const NODE_SYSCTLS = [
  'net.ipv6.conf.all.accept_ra=0',
  'net.ipv6.conf.default.accept_ra=0',
  'net.ipv6.conf.all.autoconf=0',
  'net.ipv6.conf.default.autoconf=0',
  'net.ipv6.conf.all.accept_dad=0',
  'net.ipv6.conf.default.accept_dad=0',
];
const FORWARDING_SYSCTLS = ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'];
/** A new namespace copies the host's IPv4 settings, ip_forward included: end hosts say no. */
const END_HOST_SYSCTLS = ['net.ipv4.ip_forward=0'];

/*
 * Bridge ports get interface indexes far above any node's own. The kernel handles a link change
 * at once only when a device's index differs from its peer's (linkwatch_urgent_event); when a
 * node's veth end and its bridge port happen to share an index (each namespace counts from 1),
 * the change waits for linkwatch's next batch, up to a second, and so does the IPv6 link-local
 * address a router needs before it can solicit neighbours for forwarded packets.
 */
const BRIDGE_PORT_INDEX = 1000;

function sysctl(ns: string, settings: readonly string[]) {
  return mustRun([...inNamespace(ns), 'sysctl', '-qw', ...settings]);
}

/** Every process still living in a namespace (vsftpd children, agents, monitors). */
async function pidsIn(ns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', ns]);
  return r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Kills whatever runs in the namespaces, waits until they are empty, then deletes them. */
async function namespacesPresent(names: readonly string[]): Promise<string[]> {
  const existing = new Set((await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]));
  return names.filter((n) => existing.has(n));
}

async function removeNamespaces(names: string[]): Promise<void> {
  if (names.length === 0) return;
  const present = await namespacesPresent(names);
  // Each namespace asked at once: one `ip netns pids` scans /proc, a lab has five namespaces or more.
  const living = async () => (await Promise.all(present.map(pidsIn))).flat();
  for (const pid of await living()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    // A namespace lives on while a process holds it: wait for the kills to land so nothing is left.
    await waitFor(
      'processes in pinhole namespaces to exit',
      async () => (await living()).length === 0,
      { timeoutMs: 5000 },
    );
  } finally {
    // Remove the names even if a process lingers: it holds an anonymous namespace that dies with it.
    // -force: past a name another pinhole process's clean removed first (a crashed run's
    // leftovers are everybody's to clean); only a name still there afterwards is a failure.
    if (present.length > 0) {
      const r = await run(['ip', '-force', '-batch', '-'], { input: present.map((n) => `netns del ${n}\n`).join('') });
      const left = r.code === 0 ? [] : await namespacesPresent(present);
      if (left.length > 0) throw new Error(`cannot remove namespaces ${left.join(', ')}: ${r.stderr.trim()}`);
    }
  }
}

class NetnsTopology implements StartedTopology {
  readonly driver = 'netns' as const;
  private readonly handles: NodeMap<NetnsNode>;
  private readonly namespaces: string[] = [];

  constructor(
    readonly spec: TopologySpec,
    readonly id: string,
  ) {
    this.handles = new NodeMap(spec.name);
  }

  node(name: string): NodeHandle {
    return this.handles.lookup(name);
  }

  nodes(): NodeHandle[] {
    return [...this.handles.values()];
  }

  async bringUp(): Promise<void> {
    const { spec, id } = this;
    const dir = await claimRun(id);
    const segNs = (s: string) => segmentNamespace(id, s);
    const nodeNs = (n: string) => nodeNamespace(id, n);
    this.namespaces.push(...Object.keys(spec.segments).map(segNs), ...Object.keys(spec.nodes).map(nodeNs));
    // One `ip -batch` per namespace keeps bring-up to a handful of process spawns.
    await mustRun(['ip', '-batch', '-'], { input: this.namespaces.map((n) => `netns add ${n}\n`).join('') });
    // Before any interface exists: a new interface takes its IPv6 settings from `default`.
    await Promise.all([
      ...Object.keys(spec.segments).map((s) => sysctl(segNs(s), SEGMENT_SYSCTLS)),
      ...Object.entries(spec.nodes).map(([n, node]) => sysctl(nodeNs(n), [...NODE_SYSCTLS, ...(FORWARDING_KINDS.has(node.kind) ? FORWARDING_SYSCTLS : END_HOST_SYSCTLS)])),
    ]);

    const segmentCommands = new Map<string, string[][]>(
      // No multicast snooping: IPv6 neighbour solicitations go to solicited-node multicast
      // groups, which a snooping bridge forwards by the MLD reports it happened to hear; without
      // it they are flooded to every port, like ARP broadcasts.
      Object.keys(spec.segments).map((s) => [s, [['link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0'], ['link', 'set', 'br0', 'up']]]),
    );
    const nodeCommands = new Map<string, string[][]>();
    let port = 0;
    for (const [nodeName, node] of Object.entries(spec.nodes)) {
      const work = join(dir, nodeName);
      await mkdir(work, { recursive: true, mode: 0o755 });
      this.handles.set(nodeName, new NetnsNode(nodeName, node, nodeNs(nodeName), work));
      const cmds = [['link', 'set', 'lo', 'up']];
      for (const [ifname, iface] of Object.entries(node.interfaces)) {
        const bridgePort = `v${port}`;
        segmentCommands
          .get(iface.segment)
          ?.push(
            ['link', 'add', bridgePort, 'index', String(BRIDGE_PORT_INDEX + port++), 'type', 'veth', 'peer', 'name', ifname, 'netns', nodeNs(nodeName)],
            ['link', 'set', bridgePort, 'master', 'br0', 'up'],
          );
        // nodad: a declared IPv6 address is usable at once instead of tentative for a second or two.
        for (const cidr of cidrsOf(iface)) cmds.push(['addr', 'add', cidr, 'dev', ifname, ...(familyOf(cidr) === 'ipv6' ? ['nodad'] : [])]);
        // `dev` before the name: a name the kernel accepts may also read as a keyword or an option.
        cmds.push(['link', 'set', 'dev', ifname, 'up']);
      }
      // `ip` takes the route's family from the gateway address: one default route per family.
      for (const gateway of gatewaysOf(node)) cmds.push(['route', 'add', 'default', 'via', gateway]);
      nodeCommands.set(nodeName, cmds);
    }
    const inNs = (argv: string[], input?: string) => mustRun(argv, input === undefined ? {} : { input }).then(() => undefined);
    for (const [seg, cmds] of segmentCommands) await runIpCommands(['ip', '-n', segNs(seg)], cmds, inNs);
    for (const [nodeName, cmds] of nodeCommands) await runIpCommands(['ip', '-n', nodeNs(nodeName)], cmds, inNs);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // The owner record goes last, and only once the namespaces are gone: while it exists,
    // `pinhole clean` and the next run can tell whose leftovers they are.
    await removeNamespaces(this.namespaces);
    await releaseRun(this.id);
  }
}

export class NetnsDriver implements Driver {
  readonly name = 'netns' as const;
  private preflightResult: Promise<PreflightProblem[]> | undefined;

  /** The host does not change during a run: checked once per driver instance. */
  preflight(): Promise<PreflightProblem[]> {
    return (this.preflightResult ??= this.checkHost());
  }

  private async checkHost(): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = [];
    if (process.getuid?.() !== 0) {
      problems.push({ what: 'not running as root', fix: 'run pinhole as root (network namespaces and netfilter need CAP_NET_ADMIN and CAP_SYS_ADMIN)' });
    }
    for (const [tool, pkg] of REQUIRED_TOOLS) {
      if (!(await onPath(tool))) {
        problems.push({ what: `${tool} not found`, fix: `apt-get install ${pkg}` });
      }
    }
    try {
      await access('/proc/self/ns/net');
    } catch {
      problems.push({ what: 'this kernel has no network namespaces', fix: 'use a kernel with CONFIG_NET_NS' });
    }
    return problems;
  }

  async up(spec: TopologySpec): Promise<StartedTopology> {
    const problems = await this.preflight();
    if (problems.length > 0) throw new HostError(problems.map((p) => `${p.what}: ${p.fix}`).join('\n'));
    assertSafeNames(spec);
    const topology = new NetnsTopology(spec, newRunId());
    try {
      await topology.bringUp();
    } catch (err) {
      // Clean up what was made, then rethrow the original error.
      await topology[Symbol.asyncDispose]().catch(() => undefined);
      throw err;
    }
    return topology;
  }

  async clean(opts: CleanScope = {}): Promise<string[]> {
    const all = (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
    const byRun = new Map<string, string[]>();
    for (const ns of all) {
      const id = runIdOfNamespace(ns);
      if (id) byRun.set(id, [...(byRun.get(id) ?? []), ns]);
    }
    for (const id of await knownRunIds()) if (!byRun.has(id)) byRun.set(id, []);
    const removed: string[] = [];
    for (const [id, namespaces] of byRun) {
      if (!(await cleanRemoves(id, opts))) continue;
      await removeNamespaces(namespaces);
      await releaseRun(id);
      removed.push(...namespaces, runDir(id));
    }
    return removed;
  }
}

/** Tools the netns driver and the nodes it runs need, with the Debian package that has each. */
export const REQUIRED_TOOLS: ReadonlyArray<[string, string]> = [
  ['ip', 'iproute2'],
  ['nsenter', 'util-linux'],
  ['unshare', 'util-linux'],
  // proftpd's sessions run with a lower open-files limit (harness/nodes/proftpd-server.ts).
  ['prlimit', 'util-linux'],
  ['nft', 'nftables'],
  ['iptables-nft-restore', 'iptables'],
  ['ip6tables-nft-restore', 'iptables'],
  ['conntrack', 'conntrack'],
  // Every lab captures on the firewall's interfaces: ladder diagrams and evidence pcaps.
  ['tcpdump', 'tcpdump'],
  ['vsftpd', 'vsftpd'],
  // The real clients of the ftp-clients suite run from the host's file system too.
  ['curl', 'curl'],
  ['lftp', 'lftp'],
  ['sha256sum', 'coreutils'],
  ['ss', 'iproute2'],
];
