/**
 * DockerDriver: each node is a container of the pinhole node image (or the user's own image),
 * each segment a Docker bridge network with the topology's subnet. What makes routed topologies
 * work despite the host's bridge netfilter (shared/reference/netfilter-ftp.md): normal (not
 * internal) networks without masquerade and without an address on the host (so the host's
 * routes stay as they were), NET_ADMIN on every node, the forwarding sysctl on
 * routers, default routes via the topology's gateway instead of Docker's, and interfaces
 * renamed inside each container to the names the topology declares.
 *
 * IPv6 is added by pinhole inside the containers, never through Docker's IPv6 networks: a
 * network created with EnableIPv6 and an IPv6 subnet makes dockerd (20.10, default
 * --ip-forward) write 1 to the HOST's net.ipv6.conf.{all,default}.forwarding, which it never
 * reverts, and gives the host bridge the subnet's first address: the host would be left
 * changed and could route between segments around the firewall. A bridge forwards IPv6 frames
 * whatever its IPAM says, so the networks stay IPv4-only (Docker's bridge driver needs IPv4
 * anyway: an IPv6-only segment gets a placeholder IPv4 subnet that its nodes shed, ipv4-plan.ts)
 * and each node gets its IPv6 addresses and default route with `ip` inside, its IPv6 sysctls at
 * create time (Docker disables IPv6 in containers of IPv4-only networks).
 *
 * The run's state directory and the repository are bind-mounted at their own paths, so a path
 * means the same thing on the host and in every node (vsftpd's config, the probe agent).
 */
import { realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import ipaddr from 'ipaddr.js';
import type { StartedTestContainer } from 'testcontainers';
import { disposeAll } from '../../dispose.ts';
import { HostError, InputError } from '../../errors.ts';
import { onPath } from '../../on-path.ts';
import { CACHE_DIR, NODE_MODULES_DIR, REPO_ROOT } from '../../paths.ts';
import { claimRun, type CleanScope, cleanRemoves, knownRunIds, newRunId, releaseRun, runDir } from '../../run-state.ts';
import { addressOfInterface, familyOf, subnetsOf } from '../../topology/dual-stack.ts';
import type { NodeSpec, SegmentSpec, TopologySpec } from '../../topology/schema.ts';
import { assertSafeNames } from '../../topology/safe-names.ts';
import type { Driver, NodeHandle, PreflightProblem, StartedTopology } from '../driver.ts';
import { NodeBase, NodeMap } from '../node-base.ts';
import { execInContainer, spawnInContainer } from './docker-exec.ts';
import { run } from '../../exec.ts';
import { containerName, networkName, NODE_LABEL, RUN_LABEL } from './docker-names.ts';
import { NodeContainer } from './node-container.ts';
import { ensureNodeImage, imageExists, nodeImageRecipe } from './node-image.ts';
import { acquireSubnets, type SubnetLease } from './subnet-lease.ts';
import { dockerIpv4Plan } from './ipv4-plan.ts';
import { capabilitiesFor, shapeNode, sysctlsFor } from './container-shape.ts';

// No reaper container: its image cannot be pulled where no registry is reachable, and every
// resource carries the run label that `pinhole clean` and the next run use instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';


/**
 * Nodes run pinhole's own files at their host paths: the node agent loads tsx from node_modules,
 * servers run from the FTP server bundles, the probe agent from its bundle in the cache. A git
 * worktree or a hoisting package manager keeps node_modules outside the repository (a symlink),
 * and pinhole installed in a user's project keeps its cache outside it: mount those too.
 */
const NODE_MODULES = realpathSync(NODE_MODULES_DIR);
const outsideRepo = (...dirs: string[]) => [...new Set(dirs)].filter((dir) => !dir.startsWith(REPO_ROOT));

/** The IPv4 destinations the host routes (`ip -4 -j route`), as CIDRs; the default route left out. */
async function hostIpv4Routes(): Promise<string[]> {
  const r = await run(['ip', '-4', '-j', 'route', 'show', 'table', 'all']);
  if (r.code !== 0) return [];
  const routes = JSON.parse(r.stdout || '[]') as Array<{ dst?: string; type?: string }>;
  return routes.flatMap((route) => {
    if (!route.dst || route.dst === 'default' || (route.type && route.type !== 'unicast')) return [];
    return [route.dst.includes('/') ? route.dst : `${route.dst}/32`];
  });
}

const ipv4SubnetOf = (seg: SegmentSpec) => subnetsOf(seg).find((s) => familyOf(s) === 'ipv4');

/**
 * What a topology asks that Docker networks cannot give: a segment without an IPv4 subnet
 * (Docker's bridge driver requires one), and a node on the address Docker reserves for each
 * bridge network's gateway (the IPv4 subnet's first host), even with no address on the host.
 */
function dockerProblems(spec: TopologySpec): string[] {
  const problems: string[] = [];
  for (const [segName, seg] of Object.entries(spec.segments)) {
    const subnet = ipv4SubnetOf(seg);
    // An IPv6-only segment's network gets a placeholder IPv4 subnet (ipv4-plan.ts).
    if (!subnet) continue;
    const [net] = ipaddr.parseCIDR(subnet);
    const bytes = net.toByteArray();
    bytes[bytes.length - 1]! += 1;
    const gateway = ipaddr.fromByteArray(bytes).toString();
    for (const [nodeName, node] of Object.entries(spec.nodes)) {
      for (const [ifname, iface] of Object.entries(node.interfaces)) {
        if (iface.segment === segName && addressOfInterface(iface, 'ipv4') === gateway) {
          problems.push(`topology ${spec.name}: nodes.${nodeName}.interfaces.${ifname}.address: ${gateway} is the address Docker reserves for a bridge network's gateway; the docker driver needs node addresses off the first host of each subnet`);
        }
      }
    }
  }
  return problems;
}

/** The run directory is bind-mounted at its own path, so NodeBase.writeFile reaches the container. */
class DockerNode extends NodeBase {
  constructor(
    name: string,
    spec: NodeSpec,
    private readonly docker: Docker,
    readonly containerId: string,
    workDir: string,
  ) {
    super(name, spec, workDir);
  }

  exec(argv: readonly string[], opts?: Parameters<NodeHandle['exec']>[1]) {
    return execInContainer(this.docker, this.containerId, argv, opts);
  }

  spawn(argv: readonly string[]) {
    return spawnInContainer(this.containerId, argv);
  }
}

class DockerTopology implements StartedTopology {
  readonly driver = 'docker' as const;
  readonly handles: NodeMap<DockerNode>;
  readonly containers: StartedTestContainer[] = [];
  /** Held from before the networks exist until they are removed (subnet-lease.ts says why). */
  private leases: SubnetLease[] = [];

  constructor(
    readonly spec: TopologySpec,
    readonly id: string,
    private readonly docker: Docker,
  ) {
    this.handles = new NodeMap(spec.name);
  }

  node(name: string): NodeHandle {
    return this.handles.lookup(name);
  }

  /** In the topology's order, as the netns driver gives them (containers start in any order). */
  nodes(): NodeHandle[] {
    return Object.keys(this.spec.nodes).flatMap((n) => this.handles.get(n) ?? []);
  }

  async bringUp(image: string): Promise<void> {
    const { spec, id, docker } = this;
    const dir = await claimRun(id);
    // A bind mount's source must exist: a fresh install's cache may not yet.
    await mkdir(CACHE_DIR, { recursive: true });
    // Another topology with the same subnets (another run, another worker) may hold them: wait.
    const plan = dockerIpv4Plan(spec, await hostIpv4Routes());
    this.leases = await acquireSubnets(Object.values(plan.subnets), id, {
      onWait: (subnet, holder) => process.stderr.write(`pinhole: docker: subnet ${subnet} is in use by run ${holder.run} (pid ${holder.pid}); waiting for it\n`),
    });
    // A dead owner's lease was taken over: its networks may still hold the subnets.
    for (const dead of new Set(this.leases.flatMap((l) => l.tookOverFrom))) {
      await removeByLabel(docker, dead);
      await releaseRun(dead);
    }
    for (const seg of Object.keys(spec.segments)) {
      const name = networkName(id, seg);
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Internal: false,
        IPAM: { Config: [{ Subnet: plan.subnets[seg]! }] },
        Options: {
          'com.docker.network.bridge.enable_ip_masquerade': 'false',
          // No address on the host's side of the bridge, so no route on the host: by default
          // Docker gives the bridge the subnet's first address, and the host's connected route
          // for the subnet would capture the host's own traffic to every real address in it (a
          // user's office network that a topology copies; on one CI machine here, the Debian
          // mirror, which lives in 203.0.113.0/24) for as long as the lab is up.
          'com.docker.network.bridge.inhibit_ipv4': 'true',
        },
        Labels: { [RUN_LABEL]: id },
      });
    }
    // allSettled: when one node fails, the others' container starts still in flight finish
    // before bringUp returns, so the teardown that follows finds every container it must remove.
    const started = await Promise.allSettled(
      Object.entries(spec.nodes).map(async ([nodeName, node]) => {
        const work = join(dir, nodeName);
        await mkdir(work, { recursive: true, mode: 0o755 });
        const container = await new NodeContainer(node.image ?? image, docker)
          .withName(containerName(id, nodeName))
          .withLabels({ [RUN_LABEL]: id, [NODE_LABEL]: nodeName })
          .withCommand(['sleep', 'infinity'])
          .withInit()
          .withAddedCapabilities(...capabilitiesFor(node))
          .withAttachments(Object.entries(node.interfaces).map(([ifname, i]) => ({ network: networkName(id, i.segment), address: plan.attachments[nodeName]![ifname]!.address })))
          .withSysctls(sysctlsFor(node))
          .withBindMounts([
            { source: dir, target: dir, mode: 'rw' },
            { source: REPO_ROOT, target: REPO_ROOT, mode: 'ro' },
            ...outsideRepo(NODE_MODULES, CACHE_DIR).map((m) => ({ source: m, target: m, mode: 'ro' as const })),
          ])
          .withAutoCleanup(false)
          .start();
        this.containers.push(container);
        const handle = new DockerNode(nodeName, node, docker, container.getId(), work);
        this.handles.set(nodeName, handle);
        await shapeNode(handle, node, plan.attachments[nodeName]!);
      }),
    );
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await disposeAll([
      () => Promise.all(this.containers.map((c) => c.stop({ timeout: 0, remove: true, removeVolumes: true }))),
      // Containers that failed half way through start are found by label.
      () => removeByLabel(this.docker, this.id),
      // Only once the networks are gone: the next holder creates networks on these subnets.
      () => Promise.all(this.leases.map((l) => l.release())),
    ]);
    // Last, and only once the containers and networks are gone: the owner record tells whose they are.
    await releaseRun(this.id);
  }
}

async function removeByLabel(docker: Docker, id: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${id}`] });
  const removed: string[] = [];
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    removed.push(`container ${c.Names[0]?.replace(/^\//, '') ?? c.Id}`);
  }
  for (const n of await docker.listNetworks({ filters })) {
    await docker.getNetwork(n.Id).remove();
    removed.push(`network ${n.Name}`);
  }
  return removed;
}

export class DockerDriver implements Driver {
  readonly name = 'docker' as const;
  readonly docker = new Docker();
  private preflightResult: Promise<PreflightProblem[]> | undefined;

  preflight(): Promise<PreflightProblem[]> {
    return (this.preflightResult ??= this.checkHost());
  }

  /** Where this process looks for the engine: DOCKER_HOST, or the default socket. */
  private async engineAddress(): Promise<string> {
    const modem = this.docker.modem as unknown as { getSocketPath(): Promise<string | undefined>; protocol?: string; host?: string; port?: string | number };
    const socket = await modem.getSocketPath().catch(() => undefined);
    return socket ? `unix://${socket}` : `${modem.protocol ?? 'tcp'}://${modem.host}:${modem.port}`;
  }

  /**
   * No engine is one problem said in one line (`pinhole run` stops on it with exit 3): where
   * pinhole looked, what the socket answered, and whether Docker is installed at all. The `what`
   * keeps its first words, `no Docker engine`, which other commands look for.
   */
  private async checkHost(): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = [];
    const cli = await onPath('docker');
    try {
      await this.docker.ping();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'ENOENT: no such socket' : code === 'ECONNREFUSED' ? 'ECONNREFUSED: nothing listens there' : (code ?? (err as Error).message.split('\n')[0]);
      const at = await this.engineAddress();
      problems.push(
        cli
          ? { what: `no Docker engine answers at ${at} (${why})`, fix: 'start dockerd, or set DOCKER_HOST to an engine that runs' }
          : { what: `no Docker engine answers at ${at} (${why}) and there is no docker command: Docker is not installed`, fix: 'install docker.io and start dockerd' },
      );
      return problems;
    }
    if (!cli) problems.push({ what: 'the docker command line client is missing', fix: 'apt-get install docker.io' });
    const recipe = await nodeImageRecipe();
    if (!(await imageExists(this.docker, recipe.tag)) && !(await onPath('mmdebstrap'))) {
      problems.push({ what: `node image ${recipe.tag} is not built and mmdebstrap is missing`, fix: 'apt-get install mmdebstrap, then: pinhole images build' });
    }
    return problems;
  }

  async up(spec: TopologySpec): Promise<StartedTopology> {
    const problems = await this.preflight();
    if (problems.length > 0) throw new HostError(problems.map((p) => `${p.what}: ${p.fix}`).join('\n'));
    const unfit = dockerProblems(spec);
    if (unfit.length > 0) throw new InputError(unfit);
    assertSafeNames(spec);
    const image = await ensureNodeImage(this.docker);
    const topology = new DockerTopology(spec, newRunId(), this.docker);
    try {
      await topology.bringUp(image);
    } catch (err) {
      await topology[Symbol.asyncDispose]().catch(() => undefined);
      throw err;
    }
    return topology;
  }

  async clean(opts: CleanScope = {}): Promise<string[]> {
    if ((await this.preflight()).some((p) => p.what.startsWith('no Docker engine'))) return [];
    const ids = new Set(await knownRunIds());
    for (const c of await this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [RUN_LABEL] }) })) ids.add(c.Labels[RUN_LABEL]!);
    for (const n of await this.docker.listNetworks({ filters: JSON.stringify({ label: [RUN_LABEL] }) })) ids.add(n.Labels?.[RUN_LABEL] ?? '');
    const removed: string[] = [];
    for (const id of ids) {
      if (!id) continue;
      if (!(await cleanRemoves(id, opts))) continue;
      removed.push(...(await removeByLabel(this.docker, id)));
      await releaseRun(id);
      removed.push(runDir(id));
    }
    return removed;
  }
}
