/**
 * A lab is a started topology with its node services running: the FTP server, the probe agent on
 * the client, a drop observer on every forwarding node, a capture on the firewall. It does one
 * job: bring that up, reset it between cells (`openCell`), and tear it down. What a cell does on
 * it lives in harness/scenarios/, what is made of the cell afterwards in harness/cell/.
 */
import type { Driver, NodeHandle, StartedTopology } from '../drivers/driver.ts';
import { DEFAULT_JSON_REPORT, evidenceRoot } from '../evidence/evidence-files.ts';
import { DisposeStack, startAll } from '../dispose.ts';
import { waitFor } from '../exec.ts';
import { FAMILIES, type ClientName, type Family, type ServerSoftware } from '../model.ts';
import type { Observation, RuleHit } from '../cell-contract.ts';
import { DropObserver, type TraceVerdict } from '../nodes/drop-observer.ts';
import type { FtpServer, FtpServerSettings } from '../nodes/ftp-server.ts';
import { NodeAgent, withAgent } from '../nodes/node-agent.ts';
import { NodeStartError } from '../nodes/node-start-error.ts';
import { PacketCapture } from '../nodes/packet-capture.ts';
import { startFtpServer } from '../nodes/start-ftp-server.ts';
import { makeCertificate } from '../nodes/tls-certificate.ts';
import { WebAttacker } from '../nodes/web-attacker.ts';
import type { FtpClient } from '../probes/ftp-client.ts';
import { probeJob, type JobTarget } from '../probes/probe-job.ts';
import type { ProbeReport } from '../probes/probe-protocol.ts';
import { startFtpClient } from '../probes/start-ftp-client.ts';
import { AppliedRulesets } from '../rulesets/applied-rulesets.ts';
import { backendFor } from '../rulesets/firewall-backend.ts';
import { loadRuleset, type Ruleset } from '../rulesets/load-ruleset.ts';
import { OBSERVER_RULESET, STALLED_CHAIN, OBSERVER_TABLE } from '../rulesets/observer-ruleset.ts';
import { parseExpectCounters } from '../rulesets/ruleset-listing.ts';
import { addressesOf, canonicalAddress, familyOf, hasFamily } from '../topology/dual-stack.ts';
import { rulesetNodeOf } from '../topology/ruleset-node.ts';
import { FORWARDING_KINDS, type NodeKind, type NodeSpec, type TopologySpec } from '../topology/schema.ts';
import type { CellWindow } from './cell-window.ts';
import { labStartError } from './lab-start-error.ts';
import { nameVerdict } from './ruleset-knowledge.ts';
import { KeptServer } from './kept-server.ts';

/** Implicit FTPS's well-known port (RFC 4217 leaves it to history; IANA names it ftps). */
const IMPLICIT_FTPS_PORT = 990;

function firstOfKind(topology: StartedTopology, kind: NodeKind): NodeHandle {
  const node = topology.nodes().find((n) => n.kind === kind);
  if (!node) throw new Error(`topology ${topology.spec.name} has no ${kind} node`);
  return node;
}

export class Lab implements AsyncDisposable {
  /** What each forwarding node holds, so a cell re-applies only what a cell can change. */
  private readonly rulesets = new AppliedRulesets();
  /** Whether the observers trace every TCP packet, since a job of the current cell stalled (traceStalled). */
  private tracingAll: Promise<void> | undefined;
  /** By port: the web carrier's (80) and the IRC carrier's (6667). */
  private readonly attackers = new Map<number, Promise<WebAttacker>>();
  /** Clients other than the probe start on first use: most labs never need them. */
  private readonly clients = new Map<ClientName, Promise<FtpClient>>();

  private constructor(
    readonly topology: StartedTopology,
    /** The node the FTP clients run on (the client software is a cell's `client`: clientFor). */
    readonly clientNode: NodeHandle,
    /** The node the FTP server runs on (its software: `dimensions.serverKind`). */
    readonly serverNode: NodeHandle,
    /** The node that carries the rule set under test: the firewall, or the server or client for a host firewall (`on`). */
    readonly rulesetNode: NodeHandle,
    /** Nodes with a fixed rule set of their own (from the topology), re-applied on every reset. */
    private readonly fixedRulesets: ReadonlyArray<[NodeHandle, Ruleset]>,
    private readonly ftp: KeptServer,
    /** The pinned probe: started with the lab, it also checks readiness. */
    private readonly probe: FtpClient,
    /** Every forwarding node's drop observer: the evidence that the path refused a packet. */
    readonly observers: readonly DropObserver[],
    /** tcpdump on every firewall interface, for the ladder diagram and the evidence pcaps. */
    readonly capture: PacketCapture,
    private readonly resources: DisposeStack,
  ) {}

  /**
   * `serverKind` runs that software on the server node instead of the topology's own choice.
   * `logsDir`: where the output of a service that does not start is kept (default: the evidence
   * directory beside the default JSON report, reports/; a run passes its own). `testFileBytes`: the size of the file RETR
   * downloads (default: the topology's `ftp.testFileBytes`, else 256 KiB; the benchmark's throughput
   * figure asks for 100 MiB). `on`: the
   * node that carries the rule set under test (harness/topology/ruleset-node.ts).
   */
  static async up(spec: TopologySpec, driver: Driver, opts: { serverKind?: ServerSoftware | undefined; logsDir?: string; testFileBytes?: number; on?: string | undefined } = {}): Promise<Lab> {
    const guarded = rulesetNodeOf(spec, opts.on);
    const logsDir = opts.logsDir ?? evidenceRoot(DEFAULT_JSON_REPORT);
    const resources = new DisposeStack();
    let probeStarting: Promise<FtpClient> | undefined;
    try {
      const topology = await driver.up(spec);
      resources.defer(() => topology[Symbol.asyncDispose]());
      // The pinned probe needs no agent and nothing else of the lab, and its start (a TypeScript
      // loader) is the longest of a lab's: it starts with the agents, not after them.
      probeStarting = startFtpClient('probe', firstOfKind(topology, 'ftp-client')).then((probe) => {
        resources.defer(() => probe[Symbol.asyncDispose]());
        return probe;
      });
      probeStarting.catch(() => undefined);
      const serverSpec = spec.nodes[firstOfKind(topology, 'ftp-server').name]!;
      if (serverSpec.kind !== 'ftp-server') throw new Error('unreachable: server kind');

      // The nodes every cell runs commands in (reset, state, uploads, sessions; the client's
      // `kill` of a real client that is stopped; a fixed rule set's re-apply) get an agent.
      const agentNodes = topology.nodes().filter((n) => n.kind === 'ftp-server' || n.kind === 'ftp-client' || FORWARDING_KINDS.has(n.kind) || spec.nodes[n.name]!.ruleset);
      const agents = await startAll(agentNodes.map((n) => NodeAgent.start(n)), resources);
      const byName = new Map(agents.map((a) => [a.node.name, withAgent(a.node, a)]));
      const served = (n: NodeHandle) => byName.get(n.name) ?? n;
      const client = served(firstOfKind(topology, 'ftp-client'));
      const server = served(firstOfKind(topology, 'ftp-server'));
      // `firewall`: whichever node carries the rule set under test, a forwarding one or a host.
      const firewall = served(topology.node(guarded));
      // A node given the rule set under test carries that one instead of its own.
      const fixedRulesets: Array<[NodeHandle, Ruleset]> = [];
      for (const n of topology.nodes()) {
        const file = spec.nodes[n.name]!.ruleset;
        if (file && n.name !== firewall.name) fixedRulesets.push([served(n), await loadRuleset(file)]);
      }
      // Every router traces the SYNs it drops, and so does every node on the transfers' path
      // with a rule set of its own (the host that carries the one under test, a server's fixed
      // host firewall). A third `host` is not on the path the readiness transfer proves traced.
      const onPath = (n: NodeHandle) => FORWARDING_KINDS.has(n.kind) || n.name === firewall.name || ((n.kind === 'ftp-server' || n.kind === 'ftp-client') && fixedRulesets.some(([f]) => f.name === n.name));
      const watched = topology.nodes().filter(onPath).map(served);
      // FTPS is offered by every lab (explicit, and implicit on its own port): a certificate costs milliseconds.
      const cert = await makeCertificate(server);
      const settings: FtpServerSettings = { ...serverSpec.ftp, listenIpv6: hasFamily(serverSpec, 'ipv6'), addresses: addressesOf(serverSpec), tls: { cert, implicitPort: IMPLICIT_FTPS_PORT }, testFileBytes: opts.testFileBytes ?? serverSpec.ftp.testFileBytes };
      const startServer = () => startFtpServer(opts.serverKind ?? serverSpec.ftp.software, server, settings);
      // Settled, not all: what did start is stopped again when something else did not.
      const started = await Promise.allSettled([
        startServer(),
        probeStarting,
        PacketCapture.start(firewall, Object.keys(spec.nodes[firewall.name]!.interfaces)),
        ...watched.map(async (r) => {
          const res = await r.exec(['nft', '-f', '-'], { input: OBSERVER_RULESET });
          if (res.code !== 0) throw new Error(`node ${r.name}: cannot install the drop observer: ${res.stderr.trim()}`);
        }),
      ]);
      const [ftpStarted, probeStarted, captureStarted] = started;
      let ftp: KeptServer | undefined;
      if (ftpStarted?.status === 'fulfilled') {
        // The lab's current server: a restarted one replaces it, and is the one stopped.
        ftp = new KeptServer(ftpStarted.value as FtpServer, startServer, { logsDir, topology: spec.name, node: server.name });
        resources.defer(() => ftp![Symbol.asyncDispose]());
      }
      if (captureStarted?.status === 'fulfilled') resources.defer(() => (captureStarted.value as PacketCapture)[Symbol.asyncDispose]());
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const probe = (probeStarted as PromiseFulfilledResult<FtpClient>).value;
      const capture = (captureStarted as PromiseFulfilledResult<PacketCapture>).value;
      const observers = watched.map((r) => DropObserver.start(r, agents.find((a) => a.node.name === r.name)));
      for (const o of observers) resources.defer(() => o[Symbol.asyncDispose]());

      const lab = new Lab(topology, client, server, firewall, fixedRulesets, ftp!, probe, observers, capture, resources);
      // Fixed rule sets of forwarding nodes are in place before the readiness transfer crosses
      // them (a home gateway's masquerade is what routes it); a host's own firewall only after:
      // readiness proves the servers and the path, and a host firewall that refuses passive
      // transfers (what a check may well be about) would refuse the readiness transfer.
      const forwarding = ([n]: [NodeHandle, Ruleset]) => FORWARDING_KINDS.has(n.kind);
      const applyFixed = (list: Array<[NodeHandle, Ruleset]>) => Promise.all(list.map(([n, rs]) => backendFor(rs.format).apply(n, rs)));
      await applyFixed(fixedRulesets.filter(forwarding));
      await lab.awaitReady();
      await applyFixed(fixedRulesets.filter((f) => !forwarding(f)));
      return lab;
    } catch (err) {
      // The service's words are kept before its node (and the files in it) is removed.
      const kept = err instanceof NodeStartError ? await labStartError(err, logsDir, spec.name) : err;
      // A probe still starting is in the stack once it has started, and stopped with the rest.
      await probeStarting?.catch(() => undefined);
      await resources[Symbol.asyncDispose]().catch(() => undefined);
      throw kept;
    }
  }

  /** The server node's topology entry: its control port, passive range, published address. */
  get serverSpec(): Extract<NodeSpec, { kind: 'ftp-server' }> {
    const node = this.topology.spec.nodes[this.serverNode.name]!;
    if (node.kind !== 'ftp-server') throw new Error('unreachable: server kind');
    return node;
  }

  /** The FTP server the lab runs now, as a client's job needs it (harness/probes/probe-job.ts). */
  get jobTarget(): JobTarget {
    return { info: this.ftp.current.info, kind: this.ftp.current.kind };
  }

  /** sha256 of a file a STOR left in the server's upload directory. */
  storedSha256(name: string): Promise<string | undefined> {
    return this.ftp.current.storedSha256(name);
  }

  /**
   * The address clients dial: where a port forward publishes the server, else its first
   * interface's; of `family` when given. A port forward publishes one family: the other one
   * reaches the server's own address, as dual-stack networks without IPv6 NAT do.
   */
  serverAddress(family?: Family): string {
    return this.published(family) ? canonicalAddress(this.serverSpec.ftp.publishedAt!) : this.ownAddress(this.serverNode, family);
  }

  /** The control port clients dial: the port forward's own (`publishedPort`) where they dial it, else the server's. */
  controlPort(family?: Family): number {
    const ftp = this.serverSpec.ftp;
    return this.published(family) && ftp.publishedPort !== undefined ? ftp.publishedPort : this.jobTarget.info.port;
  }

  /** Whether a client of `family` dials the port forward rather than the server itself. */
  private published(family?: Family): boolean {
    const published = this.serverSpec.ftp.publishedAt;
    return published !== undefined && (!family || familyOf(published) === family);
  }

  /** A node's address on its first interface's segment, of `family` when given. */
  ownAddress(node: NodeHandle, family?: Family): string {
    return node.address(Object.values(this.topology.spec.nodes[node.name]!.interfaces)[0]!.segment, family);
  }

  /** Every cell ends here: a server that died during it makes it `error` (harness/lab/kept-server.ts). */
  settled(o: Observation): Promise<Observation> {
    return this.ftp.settled(o);
  }

  /**
   * Readiness by observation: with no rule set, a LIST must pass end to end in each address
   * family the server has, and every router's trace monitor must have reported that traffic
   * (`nft monitor` subscribes asynchronously).
   */
  private async awaitReady(): Promise<void> {
    let last: ProbeReport | undefined;
    const families = FAMILIES.filter((f) => hasFamily(this.serverSpec, f));
    await waitFor(
      `a first transfer (EPSV LIST, ${families.join(' and ')}) from ${this.clientNode.name} to ${this.serverNode.name} with every router's trace monitor reporting`,
      async () => {
        for (const family of families) {
          // The server's own address, and EPSV (the data connection goes to the control peer): a
          // published or pasv_address-announced address only works once a rule set forwards it.
          last = await this.probe.run(probeJob(this.jobTarget, this.ownAddress(this.serverNode, family), 'EPSV', 'LIST')).report;
          if (last.failure) return false;
        }
        return this.observers.every((o) => o.traced > 0);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last attempt: ${!last ? 'none finished' : last.failure ? `${last.failure.phase}: ${last.failure.detail}` : 'passed'}`);
    });
  }

  /** Where the rule set under test sits: the forwarding path, or the server's or client's own host. */
  get placement(): 'forward' | 'server' | 'client' {
    return this.rulesetNode.name === this.serverNode.name ? 'server' : this.rulesetNode.name === this.clientNode.name ? 'client' : 'forward';
  }

  /** The scenario dimensions this lab really runs by default: the server's address family and software. */
  get dimensions(): { family: Family; serverKind: ServerSoftware } {
    return this.dimensionsFor();
  }

  /** The dimensions of a cell asking for `family`: the family of the address really dialled. */
  dimensionsFor(family?: Family): { family: Family; serverKind: ServerSoftware } {
    return { family: familyOf(this.serverAddress(family)), serverKind: this.ftp.current.kind };
  }

  /** The pinned probe, or a real client started in the client node on its first use. */
  clientFor(kind: ClientName = 'probe'): Promise<FtpClient> {
    if (kind === 'probe') return Promise.resolve(this.probe);
    let c = this.clients.get(kind);
    if (!c) {
      this.clients.set(kind, (c = startFtpClient(kind, this.clientNode)));
      this.resources.defer(async () => (await c!.catch(() => undefined))?.[Symbol.asyncDispose]());
    }
    return c;
  }

  /** The server's listener on `port` that plays the slipstream attacker (helper scope), started on first use. */
  async webAttacker(port: number): Promise<WebAttacker> {
    let attacker = this.attackers.get(port);
    if (!attacker) {
      attacker = WebAttacker.start(this.serverNode, port).then((a) => {
        this.resources.defer(() => a[Symbol.asyncDispose]());
        return a;
      });
      this.attackers.set(port, attacker);
    }
    return attacker;
  }

  /** A probe job did not finish: its server session may still be dialling, to be ended before the next cell. */
  noteUnfinishedSession(): void {
    this.ftp.noteUnfinishedSession();
  }

  /**
   * The isolation boundary between cells: no lingering session, the firewall's connection
   * tracking emptied and `ruleset` in place (every node's own fixed rules too), the drop observers
   * and the capture starting afresh. Returns the new cell's window.
   */
  async openCell(ruleset: Ruleset): Promise<CellWindow> {
    await this.ftp.ready();
    const tracedAll = this.tracingAll;
    this.tracingAll = undefined;
    await tracedAll?.catch(() => undefined);
    const [prepared] = await Promise.all([this.rulesets.prepare(this.rulesetNode, ruleset), ...this.fixedRulesets.map(([n, rs]) => this.rulesets.prepare(n, rs))]);
    // A rule set kept from the last cell keeps the observer's table as it was: back to SYNs only.
    if (tracedAll) await Promise.all(this.observers.map((o) => o.node.exec(['nft', 'flush', 'chain', 'inet', OBSERVER_TABLE, STALLED_CHAIN])));
    for (const o of this.observers) o.reset();
    this.capture.mark();
    return { ruleset, counters: parseExpectCounters(prepared.stats), listing: prepared.listing, drops: [], jobs: [] };
  }

  /**
   * A verdict traced on `node` in the cell of `window`, as the file of the rule set it holds says
   * it (the rule set under test on the firewall, a node's own fixed one elsewhere).
   */
  async nameVerdict(node: string, v: TraceVerdict, window: CellWindow): Promise<RuleHit | undefined> {
    const fixed = this.fixedRulesets.find(([n]) => n.name === node);
    const ruleset = node === this.rulesetNode.name ? window.ruleset : fixed?.[1];
    const listing = node === this.rulesetNode.name ? window.listing : this.rulesets.listingOf(node);
    if (!ruleset || !listing) return undefined;
    return nameVerdict(v, ruleset, listing).catch(() => undefined);
  }

  /** What of the lab's instrument has ended (a trace monitor; an interrupted run kills them all), or undefined when it is whole. */
  brokenInstrument(): string | undefined {
    const dead = this.observers.find((o) => !o.alive);
    return dead && `the trace monitor on ${dead.node.name} ended`;
  }

  /**
   * Every observer traces every TCP packet from now until the next cell: a job of this cell has
   * made no progress for a while, so a packet other than a SYN may be what is being dropped, and
   * TCP will send it again. A passing cell never pays for the trace of its data and ACKs.
   */
  traceStalled(): Promise<void> {
    this.tracingAll ??= Promise.all(
      this.observers.map(async (o) => {
        const r = await o.node.exec(['nft', 'add', 'rule', 'inet', OBSERVER_TABLE, STALLED_CHAIN, 'meta', 'l4proto', 'tcp', 'meta', 'nftrace', 'set', '1']);
        if (r.code !== 0) throw new Error(`node ${o.node.name}: cannot trace every packet: ${r.stderr.trim()}`);
      }),
    ).then(() => undefined);
    return this.tracingAll;
  }

  /** Expectations the firewall holds (`conntrack -L expect`), optionally only those toward `address`. */
  async expectationsTo(address?: string): Promise<string[]> {
    const r = await this.rulesetNode.exec(['conntrack', '-L', 'expect']);
    return r.stdout.split('\n').filter((l) => l.includes('proto=') && (!address || l.includes(`dst=${address} `)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources[Symbol.asyncDispose]();
  }
}
