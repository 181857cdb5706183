/**
 * A lab is a started topology with its node services running: vsftpd on the server, the probe
 * agent on the client, a drop observer on every forwarding node. `runCell` is the one operation
 * suites and `explore` share: reset the firewall, apply a rule set, run one pinned transfer,
 * and turn what the packets did into an Observation.
 */
import type { Driver, NodeHandle, StartedTopology } from './drivers/driver.ts';
import { DisposeStack } from './dispose.ts';
import { waitFor } from './exec.ts';
import { FAMILIES, type Family, type FtpCommand, type Mode, type Observation, type ServerKind } from './model.ts';
import { DropObserver, OBSERVER_RULESET, type DropEvent } from './nodes/drop-observer.ts';
import { VsftpdServer } from './nodes/vsftpd-server.ts';
import { classify, classifyBounce, classifyPinholeScope, type Evidence } from './probes/classify.ts';
import { ProbeAgentClient } from './probes/probe-agent-client.ts';
import type { ProbeJob, ProbeReport } from './probes/probe-protocol.ts';
import { backendFor, snapshotRuleset } from './rulesets/firewall-backend.ts';
import { loadRuleset, type Ruleset } from './rulesets/load-ruleset.ts';
import { addressesOf, canonicalAddress, familyOf, hasFamily } from './topology/dual-stack.ts';
import { FORWARDING_KINDS, type NodeKind, type TopologySpec } from './topology/schema.ts';

export interface CellRequest {
  ruleset: Ruleset;
  mode: Mode;
  command: FtpCommand;
  /** The family of the address the probe dials; by default the server's IPv4 address if it has one. */
  family?: Family;
}

/** Only a safety net: blocked cells end on drop evidence within milliseconds. */
const PROBE_TIMEOUT_MS = Number(process.env.PINHOLE_PROBE_TIMEOUT_MS ?? 8000);

const isActive = (mode: Mode) => mode === 'PORT' || mode === 'EPRT';

function firstOfKind(topology: StartedTopology, kind: NodeKind): NodeHandle {
  const node = topology.nodes().find((n) => n.kind === kind);
  if (!node) throw new Error(`topology ${topology.spec.name} has no ${kind} node`);
  return node;
}

/**
 * The address clients dial: where a port forward publishes the server, else its first
 * interface's; of `family` when given. A port forward publishes one family: the other one
 * reaches the server's own address, as dual-stack networks without IPv6 NAT do.
 */
function serverAddress(spec: TopologySpec, server: NodeHandle, family?: Family): string {
  const node = spec.nodes[server.name]!;
  const published = node.kind === 'ftp-server' ? node.ftp.publishedAt : undefined;
  if (published && (!family || familyOf(published) === family)) return canonicalAddress(published);
  return server.address(Object.values(node.interfaces)[0]!.segment, family);
}

export class Lab implements AsyncDisposable {
  private cells = 0;
  /** An aborted probe may leave a vsftpd session still dialling; a completed one has quit. */
  private sessionsMayLinger = false;

  private constructor(
    readonly topology: StartedTopology,
    readonly client: NodeHandle,
    readonly server: NodeHandle,
    readonly firewall: NodeHandle,
    /** Routers with a fixed rule set of their own (from the topology), re-applied on every reset. */
    private readonly routerRulesets: ReadonlyArray<[NodeHandle, Ruleset]>,
    private readonly ftp: VsftpdServer,
    private readonly agent: ProbeAgentClient,
    private readonly observers: DropObserver[],
    private readonly resources: DisposeStack,
  ) {}

  static async up(spec: TopologySpec, driver: Driver): Promise<Lab> {
    const resources = new DisposeStack();
    try {
      const topology = await driver.up(spec);
      resources.defer(() => topology[Symbol.asyncDispose]());
      const client = firstOfKind(topology, 'ftp-client');
      const server = firstOfKind(topology, 'ftp-server');
      const firewall = firstOfKind(topology, 'firewall');
      const serverSpec = spec.nodes[server.name]!;
      if (serverSpec.kind !== 'ftp-server') throw new Error('unreachable: server kind');

      const routers = topology.nodes().filter((n) => FORWARDING_KINDS.has(n.kind));
      const routerRulesets: Array<[NodeHandle, Ruleset]> = [];
      for (const r of routers) {
        const node = spec.nodes[r.name]!;
        if (node.kind === 'router' && node.ruleset) routerRulesets.push([r, await loadRuleset(node.ruleset)]);
      }
      const [ftp, agent] = await Promise.all([
        VsftpdServer.start(server, { ...serverSpec.ftp, listenIpv6: hasFamily(serverSpec, 'ipv6') }),
        ProbeAgentClient.start(client),
        ...routers.map(async (r) => {
          const res = await r.exec(['nft', '-f', '-'], { input: OBSERVER_RULESET });
          if (res.code !== 0) throw new Error(`node ${r.name}: cannot install the drop observer: ${res.stderr.trim()}`);
        }),
      ]);
      resources.defer(() => ftp[Symbol.asyncDispose]());
      resources.defer(() => agent[Symbol.asyncDispose]());
      const observers = routers.map((r) => DropObserver.start(r));
      for (const o of observers) resources.defer(() => o[Symbol.asyncDispose]());

      const lab = new Lab(topology, client, server, firewall, routerRulesets, ftp, agent, observers, resources);
      // Fixed router rule sets are in place before the readiness transfer crosses them.
      await Promise.all(routerRulesets.map(([r, rs]) => backendFor(rs.format).apply(r, rs)));
      await lab.awaitReady();
      return lab;
    } catch (err) {
      await resources[Symbol.asyncDispose]().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Readiness by observation: with no rule set, a LIST must pass end to end in each address
   * family the server has, and every router's trace monitor must have reported that traffic
   * (`nft monitor` subscribes asynchronously).
   */
  private async awaitReady(): Promise<void> {
    let last: ProbeReport | undefined;
    const serverSpec = this.topology.spec.nodes[this.server.name]!;
    const families = FAMILIES.filter((f) => hasFamily(serverSpec, f));
    await waitFor(
      `a first transfer (EPSV LIST, ${families.join(' and ')}) from ${this.client.name} to ${this.server.name} with every router's trace monitor reporting`,
      async () => {
        for (const family of families) {
          // The server's own address, and EPSV (the data connection goes to the control peer): a
          // published or pasv_address-announced address only works once a rule set forwards it.
          const own = this.server.address(Object.values(serverSpec.interfaces)[0]!.segment, family);
          last = await this.agent.run({ ...this.job('EPSV', 'LIST'), host: own }).report;
          if (last.failure) return false;
        }
        return this.observers.every((o) => o.traced > 0);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last attempt: ${!last ? 'none finished' : last.failure ? `${last.failure.phase}: ${last.failure.detail}` : 'passed'}`);
    });
  }

  /** The scenario dimensions this lab really runs by default: the server's address family and software. */
  get dimensions(): { family: Family; serverKind: ServerKind } {
    return this.dimensionsFor();
  }

  /** The dimensions of a cell asking for `family`: the family of the address really dialled. */
  dimensionsFor(family?: Family): { family: Family; serverKind: ServerKind } {
    const spec = this.topology.spec.nodes[this.server.name]!;
    return { family: familyOf(serverAddress(this.topology.spec, this.server, family)), serverKind: spec.kind === 'ftp-server' ? spec.ftp.software : 'vsftpd' };
  }

  private job(mode: Mode, command: FtpCommand, uploadName?: string, family?: Family): Omit<ProbeJob, 'id'> {
    const info = this.ftp.info;
    const common = {
      host: serverAddress(this.topology.spec, this.server, family),
      port: info.port,
      user: info.user,
      password: info.password,
      mode,
      command,
      timeoutMs: PROBE_TIMEOUT_MS,
    };
    if (command === 'RETR') return { ...common, path: info.testFile.path, expect: info.testFile.sha256 };
    if (command === 'STOR') return { ...common, path: `/upload/${uploadName}`, uploadBytes: 128 * 1024 };
    return { ...common, path: '/', expect: info.testFile.path.slice(1) };
  }

  /** The isolation boundary between cells: no lingering session, firewall reset, rule set applied. */
  private async prepare(ruleset: Ruleset): Promise<void> {
    if (this.sessionsMayLinger) await this.ftp.endSessions(this.server);
    // Every router starts the cell with empty connection tracking: its own rules re-applied too.
    await Promise.all([
      backendFor(ruleset.format).apply(this.firewall, ruleset),
      ...this.routerRulesets.map(([r, rs]) => backendFor(rs.format).apply(r, rs)),
    ]);
    for (const o of this.observers) o.reset();
  }

  async runCell(req: CellRequest): Promise<Observation> {
    await this.prepare(req.ruleset);
    const uploadName = `cell-${++this.cells}-${req.mode}.bin`;
    const job = this.job(req.mode, req.command, uploadName, req.family);
    const { report, drops } = await this.attempt(job);
    const storedSha256 =
      req.command === 'STOR' && !report.failure ? await VsftpdServer.storedSha256(this.server, this.ftp.info, uploadName) : undefined;
    return classify({ report, drops, storedSha256, command: req.command, refusedByRouter: await this.routerRefusal(report) });
  }

  /**
   * A refused connection whose SYN was aimed at a router's own address: the router neither
   * forwarded it (no port forward, no expectation) nor had anything listening, and answered RST
   * itself. Evidence that the path refused it, not the server.
   */
  private async routerRefusal(report: ProbeReport): Promise<Evidence['refusedByRouter']> {
    const f = report.failure;
    if (f?.kind !== 'refused') return undefined;
    const target = f.phase === 'control-connect' ? undefined : report.dataEndpoint;
    if (!target) return undefined;
    const router = Object.entries(this.topology.spec.nodes).find(
      ([, node]) => FORWARDING_KINDS.has(node.kind) && addressesOf(node).includes(target.host),
    )?.[0];
    const observer = this.observers.find((o) => o.node.name === router);
    if (!router || !observer) return undefined;
    // The kernel traced the SYN before it answered RST, but the trace line and the probe's report
    // travel through different pipes: wait (briefly, by polling) for the trace to arrive.
    const seen = await waitFor(
      `${router}'s trace of the SYN to ${target.host}:${target.port}`,
      async () => observer.packetsSeen().some((p) => p.daddr === target.host && p.dport === target.port),
      { timeoutMs: 1000, intervalMs: 5 },
    ).catch(() => false);
    return seen ? { node: router, host: target.host, port: target.port } : undefined;
  }

  /**
   * Runs one probe job and returns its report with the drops that were its own. `alsoOwn`
   * widens "own" for security probes (a packet aimed at a third host).
   */
  private async attempt(job: Omit<ProbeJob, 'id'>, alsoOwn: (d: DropEvent) => boolean = () => false): Promise<{ report: ProbeReport; drops: DropEvent[] }> {
    // A drop counts only when it is this cell's own packet: the control connection it dials, or
    // the data endpoint once known. A server still retrying an earlier, aborted cell's active
    // data connection must not decide this one. Drops and the endpoint may arrive in any order,
    // so every drop is kept and re-judged when the endpoint arrives.
    let endpoint: { host: string; port: number } | undefined;
    const isOwn = (d: DropEvent) =>
      (d.packet.daddr === job.host && d.packet.dport === job.port) ||
      (endpoint !== undefined &&
        d.packet.dport === endpoint.port &&
        // Active endpoints may be rewritten by NAT on the way (nf_nat_ftp keeps the port when it can).
        (isActive(job.mode) || d.packet.daddr === endpoint.host)) ||
      alsoOwn(d);
    let decide: (d: DropEvent) => void = () => undefined;
    const decided = new Promise<DropEvent>((resolve) => (decide = resolve));
    const judgeDrops = () => this.observers.flatMap((o) => o.drops()).filter(isOwn).forEach(decide);
    const unsubscribe = this.observers.map((o) => o.onDrop(judgeDrops));
    const { id, report } = this.agent.run(job, (e) => {
      endpoint = e;
      judgeDrops();
    });

    // The first own drop ends the probe at once: the decision rests on that evidence.
    const first = await Promise.race([report, decided]);
    for (const u of unsubscribe) u();
    if (!('phases' in first)) this.agent.abort(id);
    const probeReport = await report;
    this.sessionsMayLinger = probeReport.failure !== null;
    return { report: probeReport, drops: this.observers.flatMap((o) => o.drops()).filter(isOwn) };
  }

  /**
   * FTP bounce: PORT/EPRT naming a third host (the topology's `host` node). Must be refused by
   * the server, must create no expectation on the firewall, and no SYN may reach the third host.
   */
  async runBounce(ruleset: Ruleset, mode: 'PORT' | 'EPRT', family?: Family): Promise<Observation> {
    const victimNode = this.topology.nodes().find((n) => n.kind === 'host');
    if (!victimNode) throw new Error(`topology ${this.topology.spec.name} has no host node to aim a bounce at`);
    const victim = victimNode.address(Object.values(this.topology.spec.nodes[victimNode.name]!.interfaces)[0]!.segment, family);
    await this.prepare(ruleset);
    const job = { ...this.job(mode, 'RETR', undefined, family), announce: { host: victim, port: 8021 } };
    const { report, drops } = await this.attempt(job, (d) => d.packet.daddr === victim);
    const reached = this.observers.flatMap((o) => o.packetsSeen().filter((p) => p.daddr === victim && !drops.some((d) => d.packet === p)));
    const expectations = await this.expectationsTo(victim);
    return classifyBounce({ report, drops, reachedVictim: reached, expectations, victim });
  }

  /**
   * Pinhole scope: after PASV/EPSV announces port X, only X may be reachable. The probe dials a
   * neighbour of X inside the passive range instead. Then a real transfer, after which no
   * expectation may be left on the firewall.
   */
  async runPinholeScope(ruleset: Ruleset, mode: 'PASV' | 'EPSV', family?: Family): Promise<Observation> {
    await this.prepare(ruleset);
    const serverSpec = this.topology.spec.nodes[this.server.name]!;
    const range = serverSpec.kind === 'ftp-server' ? serverSpec.ftp.passivePorts : { min: 0, max: 65535 };
    const neighbour = await this.attempt({ ...this.job(mode, 'RETR', undefined, family), neighbourIn: range });
    await this.prepare(ruleset);
    const transfer = await this.attempt(this.job(mode, 'RETR', undefined, family));
    const left = await this.expectationsTo();
    return classifyPinholeScope({ neighbour, transfer, expectationsLeft: left });
  }

  /** Expectations the firewall holds (`conntrack -L expect`), optionally only those toward `address`. */
  private async expectationsTo(address?: string): Promise<string[]> {
    const r = await this.firewall.exec(['conntrack', '-L', 'expect']);
    return r.stdout.split('\n').filter((l) => l.includes('proto=') && (!address || l.includes(`dst=${address} `)));
  }

  /** The firewall's rule set as the kernel holds it, with counters (evidence for reports). */
  snapshotFirewall(): Promise<string> {
    return snapshotRuleset(this.firewall);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources[Symbol.asyncDispose]();
  }
}
