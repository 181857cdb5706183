/**
 * DockerDriver: each node is a container of the pinhole node image (or the user's own image),
 * each segment a Docker bridge network with the topology's subnet. What makes routed topologies
 * work despite the host's bridge netfilter (shared/reference/netfilter-ftp.md): normal (not
 * internal) networks without masquerade, NET_ADMIN on every node, the forwarding sysctl on
 * routers, default routes via the topology's gateway instead of Docker's, and interfaces
 * renamed inside each container to the names the topology declares.
 *
 * The run's state directory and the repository are bind-mounted at their own paths, so a path
 * means the same thing on the host and in every node (vsftpd's config, the probe agent).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import ipaddr from 'ipaddr.js';
import type { StartedTestContainer } from 'testcontainers';
import { disposeAll } from '../../dispose.ts';
import { HostError, InputError } from '../../errors.ts';
import { run } from '../../exec.ts';
import { REPO_ROOT } from '../../paths.ts';
import { claimRun, knownRunIds, newRunId, releaseRun, runDir, runOwnedByMe, runOwnerAlive } from '../../run-state.ts';
import { FORWARDING_KINDS, type NodeSpec, type TopologySpec } from '../../topology/schema.ts';
import type { Driver, NodeHandle, PreflightProblem, StartedTopology } from '../driver.ts';
import { addressOnly, NodeBase, NodeMap } from '../node-base.ts';
import { execInContainer, spawnInContainer } from './docker-exec.ts';
import { containerName, networkName, NODE_LABEL, RUN_LABEL } from './docker-names.ts';
import { NodeContainer } from './node-container.ts';
import { ensureNodeImage, imageExists, nodeImageRecipe } from './node-image.ts';

// No reaper container: its image cannot be pulled where no registry is reachable, and every
// resource carries the run label that `pinhole clean` and the next run use instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';


/** Docker gives each bridge network's first host address to the host side of the bridge. */
function dockerReservedProblems(spec: TopologySpec): string[] {
  const problems: string[] = [];
  for (const [segName, seg] of Object.entries(spec.segments)) {
    const [net] = ipaddr.parseCIDR(seg.subnet);
    const bytes = net.toByteArray();
    bytes[bytes.length - 1]! += 1;
    const gateway = ipaddr.fromByteArray(bytes).toString();
    for (const [nodeName, node] of Object.entries(spec.nodes)) {
      for (const [ifname, iface] of Object.entries(node.interfaces)) {
        if (iface.segment === segName && addressOnly(iface.address) === gateway) {
          problems.push(`topology ${spec.name}: nodes.${nodeName}.interfaces.${ifname}.address: ${gateway} is the host's address on a Docker bridge network; the docker driver needs node addresses off the first host of each subnet`);
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

/**
 * NET_ADMIN and NET_RAW everywhere (rule sets, routes, interface renames, tracing). On FTP
 * servers, what pure-ftpd needs (pure-ftpd-server.ts): SYS_ADMIN, because it serves the `ftp`
 * user's home to anonymous users and so runs in a private mount namespace with the node's FTP
 * root bind-mounted over that home (Docker's default seccomp profile allows unshare(CLONE_NEWNS)
 * and mount(2) exactly when the container has SYS_ADMIN); DAC_READ_SEARCH and SYS_NICE, because
 * it keeps them among the capabilities it sets at start and exits ("421 Unable to switch
 * capabilities") when the bounding set lacks them.
 */
function capabilitiesFor(node: NodeSpec): string[] {
  return ['NET_ADMIN', 'NET_RAW', ...(node.kind === 'ftp-server' ? ['SYS_ADMIN', 'DAC_READ_SEARCH', 'SYS_NICE'] : [])];
}

/** Inside the container: declared interface names, and the topology's default route, not Docker's. */
async function shapeNode(node: DockerNode, spec: NodeSpec): Promise<void> {
  const links = JSON.parse((await node.exec(['ip', '-j', 'addr', 'show'])).stdout) as Array<{ ifname: string; addr_info: Array<{ local: string }> }>;
  const cmds: string[] = [];
  for (const [ifname, iface] of Object.entries(spec.interfaces)) {
    const current = links.find((l) => l.addr_info.some((a) => a.local === addressOnly(iface.address)))?.ifname;
    if (!current) throw new Error(`node ${node.name}: no interface carries ${iface.address}`);
    if (current !== ifname) cmds.push(`link set ${current} down`, `link set ${current} name ${ifname}`, `link set ${ifname} up`);
  }
  cmds.push('route flush exact 0.0.0.0/0');
  if (spec.gateway) cmds.push(`route add default via ${spec.gateway}`);
  const r = await node.exec(['ip', '-batch', '-'], { input: cmds.join('\n') + '\n' });
  if (r.code !== 0) throw new Error(`node ${node.name}: ${r.stderr.trim()}`);
}

class DockerTopology implements StartedTopology {
  readonly driver = 'docker' as const;
  readonly handles: NodeMap<DockerNode>;
  readonly containers: StartedTestContainer[] = [];

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

  nodes(): NodeHandle[] {
    return [...this.handles.values()];
  }

  async bringUp(image: string): Promise<void> {
    const { spec, id, docker } = this;
    const dir = await claimRun(id);
    for (const [seg, s] of Object.entries(spec.segments)) {
      const name = networkName(id, seg);
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Internal: false,
        IPAM: { Config: [{ Subnet: s.subnet }] },
        Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
        Labels: { [RUN_LABEL]: id },
      });
    }
    await Promise.all(
      Object.entries(spec.nodes).map(async ([nodeName, node]) => {
        const work = join(dir, nodeName);
        await mkdir(work, { recursive: true, mode: 0o755 });
        const container = await new NodeContainer(node.image ?? image, docker)
          .withName(containerName(id, nodeName))
          .withLabels({ [RUN_LABEL]: id, [NODE_LABEL]: nodeName })
          .withCommand(['sleep', 'infinity'])
          .withInit()
          .withAddedCapabilities(...capabilitiesFor(node))
          .withAttachments(Object.values(node.interfaces).map((i) => ({ network: networkName(id, i.segment), address: addressOnly(i.address) })))
          .withSysctls(FORWARDING_KINDS.has(node.kind) ? { 'net.ipv4.ip_forward': '1' } : {})
          .withBindMounts([
            { source: dir, target: dir, mode: 'rw' },
            { source: REPO_ROOT, target: REPO_ROOT, mode: 'ro' },
          ])
          .withAutoCleanup(false)
          .start();
        this.containers.push(container);
        const handle = new DockerNode(nodeName, node, docker, container.getId(), work);
        this.handles.set(nodeName, handle);
        await shapeNode(handle, node);
      }),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await disposeAll([
      () => Promise.all(this.containers.map((c) => c.stop({ timeout: 0, remove: true, removeVolumes: true }))),
      // Containers that failed half way through start are found by label.
      () => removeByLabel(this.docker, this.id),
      () => releaseRun(this.id),
    ]);
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

  private async checkHost(): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = [];
    try {
      await this.docker.ping();
    } catch (err) {
      problems.push({
        what: `no Docker engine answers (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        fix: 'install docker.io and start dockerd (or set DOCKER_HOST)',
      });
      return problems;
    }
    if ((await run(['sh', '-c', 'command -v docker']).catch(() => ({ code: 1 }))).code !== 0) {
      problems.push({ what: 'the docker command line client is missing', fix: 'apt-get install docker.io' });
    }
    const recipe = await nodeImageRecipe();
    if (!(await imageExists(this.docker, recipe.tag)) && (await run(['sh', '-c', 'command -v mmdebstrap'])).code !== 0) {
      problems.push({ what: `node image ${recipe.tag} is not built and mmdebstrap is missing`, fix: 'apt-get install mmdebstrap, then: pinhole images build' });
    }
    return problems;
  }

  async up(spec: TopologySpec): Promise<StartedTopology> {
    const problems = await this.preflight();
    if (problems.length > 0) throw new HostError(problems.map((p) => `${p.what}: ${p.fix}`).join('\n'));
    const reserved = dockerReservedProblems(spec);
    if (reserved.length > 0) throw new InputError(reserved);
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

  async clean(opts: { all?: boolean; mine?: boolean } = {}): Promise<string[]> {
    if ((await this.preflight()).some((p) => p.what.startsWith('no Docker engine'))) return [];
    const ids = new Set(await knownRunIds());
    for (const c of await this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [RUN_LABEL] }) })) ids.add(c.Labels[RUN_LABEL]!);
    for (const n of await this.docker.listNetworks({ filters: JSON.stringify({ label: [RUN_LABEL] }) })) ids.add(n.Labels?.[RUN_LABEL] ?? '');
    const removed: string[] = [];
    for (const id of ids) {
      if (!id) continue;
      const remove = opts.all || (opts.mine ? await runOwnedByMe(id) : !(await runOwnerAlive(id)));
      if (!remove) continue;
      removed.push(...(await removeByLabel(this.docker, id)));
      await releaseRun(id);
      removed.push(runDir(id));
    }
    return removed;
  }
}
