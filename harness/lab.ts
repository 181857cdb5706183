/**
 * A lab is a started topology with its node services running: vsftpd on the server, the probe
 * agent on the client, a drop observer on every forwarding node. `runCell` is the one operation
 * suites and `explore` share: reset the firewall, apply a rule set, run one pinned transfer,
 * and turn what the packets did into an Observation.
 */
import type { Driver, NodeHandle, StartedTopology } from './drivers/driver.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HostError } from './errors.ts';
import { DEFAULT_JSON_REPORT, evidenceRoot } from './evidence/evidence-files.ts';
import { DisposeStack } from './dispose.ts';
import { waitFor } from './exec.ts';
import { FAMILIES, type ClientKind, type Family, type FtpCommand, type Mode, type Observation, type ServerKind, type TlsMode } from './model.ts';
import { DropObserver, OBSERVER_RULESET, type DropEvent, type PacketSummary } from './nodes/drop-observer.ts';
import type { FtpServer, FtpServerSettings } from './nodes/ftp-server.ts';
import { NodeAgent, withAgent } from './nodes/node-agent.ts';
import { NodeStartError } from './nodes/node-start-error.ts';
import { startFtpServer } from './nodes/start-ftp-server.ts';
import { classify, classifyBounce, classifyHelperScope, classifyPinholeScope, serverDied, type Evidence } from './probes/classify.ts';
import { WebAttacker } from './nodes/web-attacker.ts';
import { makeCertificate } from './nodes/tls-certificate.ts';
import type { FtpClient } from './probes/ftp-client.ts';
import { startFtpClient } from './probes/start-ftp-client.ts';
import type { Endpoint } from './probes/ftp-client.ts';
import type { ProbeJob, ProbeReport, TransferSpec } from './probes/probe-protocol.ts';
import { backendFor } from './rulesets/firewall-backend.ts';
import { adviceCandidates } from './evidence/advise.ts';
import { diagnose } from './evidence/diagnose.ts';
import { parseExpectCounters, readFirewallState, type ExpectCounters, type FirewallState, type RulesetListing } from './evidence/firewall-state.ts';
import { AppliedRulesets } from './rulesets/applied-rulesets.ts';
import { buildLadder } from './evidence/build-ladder.ts';
import { firewallSides } from './evidence/firewall-sides.ts';
import type { Ladder } from './evidence/ladder.ts';
import { PacketCapture } from './nodes/packet-capture.ts';
import { decodeTcp, TCP_FLAG } from './evidence/pcap.ts';
import { causeCode, type Advice, type CellKind } from './model.ts';
import { loadRuleset, type Ruleset } from './rulesets/load-ruleset.ts';
import { addressesOf, canonicalAddress, familyOf, hasFamily } from './topology/dual-stack.ts';
import { FORWARDING_KINDS, type NodeKind, type TopologySpec } from './topology/schema.ts';

export interface CellRequest {
  ruleset: Ruleset;
  mode: Mode;
  command: FtpCommand;
  /** Which client runs the transfer; default the pinned probe. */
  client?: ClientKind;
  /** FTPS: explicit AUTH TLS, CCC after login, or implicit TLS; default none. */
  tls?: TlsMode;
  /** The family of the address the client dials; by default the server's IPv4 address if it has one. */
  family?: Family;
}

/** Only a safety net: blocked cells end on drop evidence within milliseconds. */
const PROBE_TIMEOUT_MS = Number(process.env.PINHOLE_PROBE_TIMEOUT_MS ?? 8000);

const isActive = (mode: Mode) => mode === 'PORT' || mode === 'EPRT';
/** A session cell's transfers, in order, in one control session. */
const SESSION_COMMANDS: readonly FtpCommand[] = ['RETR', 'STOR', 'LIST'];
/** A concurrent cell's sessions: enough to need several expectations (or passive ports) at once. */
const CONCURRENT_SESSIONS = 3;
/** Where the slipstream attacker's web server listens. */
const WEB_PORT = 80;
/** Implicit FTPS's well-known port (RFC 4217 leaves it to history; IANA names it ftps). */
const IMPLICIT_FTPS_PORT = 990;

/**
 * Waits for every start; what did start is handed to `keep` (to be stopped with the lab) even
 * when another failed, and then the first failure is thrown.
 */
async function startedAll<T>(starts: ReadonlyArray<Promise<T>>, keep: (started: T) => void): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  for (const r of settled) if (r.status === 'fulfilled') keep(r.value);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

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

/** What `explain` and `advise` need to know about the cell that just ran. */
export interface CellFacts {
  kind: CellKind;
  mode: Mode;
  tls: TlsMode;
  family?: Family | undefined;
  /** Read the firewall's state even when diagnosis needs none: for evidence or advice. */
  keepState?: boolean;
}

/**
 * A lab that could not start a node's service, as a cause (`node-start-failed: node server:
 * vsftpd ... (log: /abs/path)`): suites report it on every cell of the lab, `explore` and `diff`
 * stop with it (exit 3, one line). The service's own words are kept in `logFile`, outside the
 * run directory that the failed lab's cleanup removes.
 */
export class LabStartError extends HostError {
  constructor(
    cause: string,
    readonly logFile: string,
  ) {
    super(cause);
    this.name = 'LabStartError';
  }
}

/**
 * Keeps a service's output beside the JSON report's evidence (`<evidence>/lab-<topology>/`) and
 * turns the failure into a LabStartError naming the node and that file.
 */
async function labStartError(err: NodeStartError, logsDir: string, topology: string, when = ''): Promise<LabStartError> {
  const dir = join(logsDir, `lab-${topology}`);
  const file = join(dir, `${err.node}-${err.service.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-|-$/g, '')}.log`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, err.log);
  return new LabStartError(`node-start-failed: node ${err.node}: ${err.service} did not start${when}: ${err.detail} (log: ${file})`, file);
}

/** `verify` (default): re-run each candidate; `suggest`: name the first without re-running; `off`. */
const ADVICE_MODE = process.env.PINHOLE_ADVICE ?? 'verify';
/** Candidates tried per cell at most: each is a whole re-run. */
const MAX_ADVICE_TRIES = 3;

export class Lab implements AsyncDisposable {
  private uploads = 0;
  /** The firewall's expectation counters when the current cell's rule set was applied. */
  private counters: ExpectCounters = { created: 0, matched: 0 };
  /** The current cell's rule set and its first failed probe job, for diagnosis. */
  private current:
    | {
        ruleset: Ruleset;
        listing: () => Promise<RulesetListing>;
        failed?: { job: Omit<ProbeJob, 'id'>; report: ProbeReport };
        /** The drops that were the cell's own (attempt), for the ladder's wait on the capture. */
        drops: DropEvent[];
      }
    | undefined;
  /** What each forwarding node holds, so a cell re-applies only what a cell can change. */
  private readonly rulesets = new AppliedRulesets();
  /** The change that fixed an earlier cell of the same rule set and cause is tried first. */
  private readonly adviceHints = new Map<string, string>();
  private attacker: Promise<WebAttacker> | undefined;
  /** An aborted probe may leave a vsftpd session still dialling; a completed one has quit. */
  private sessionsMayLinger = false;
  /** Said in the next cell's transcript: the server had died and was started again. */
  private restarted: string | undefined;

  private constructor(
    readonly topology: StartedTopology,
    readonly client: NodeHandle,
    readonly server: NodeHandle,
    readonly firewall: NodeHandle,
    /** Routers with a fixed rule set of their own (from the topology), re-applied on every reset. */
    private readonly routerRulesets: ReadonlyArray<[NodeHandle, Ruleset]>,
    /** Replaced when the server died and is started again (restartServer). */
    private ftp: FtpServer,
    private readonly startServer: () => Promise<FtpServer>,
    /** Where a service that fails to start leaves its output (LabStartError). */
    private readonly logsDir: string,
    /** The pinned probe: started with the lab, it also checks readiness. */
    private readonly agent: FtpClient,
    private readonly observers: DropObserver[],
    /** tcpdump on every firewall interface, for the ladder diagram and the evidence pcaps. */
    private readonly capture: PacketCapture,
    private readonly resources: DisposeStack,
  ) {}

  /**
   * `serverKind` runs that software on the server node instead of the topology's own choice.
   * `logsDir`: where the output of a service that does not start is kept (default: the evidence
   * directory beside `PINHOLE_JSON`, or reports/). `testFileBytes`: the size of the file RETR
   * downloads (default 256 KiB; the benchmark's throughput figure asks for 100 MiB).
   */
  static async up(spec: TopologySpec, driver: Driver, opts: { serverKind?: ServerKind | undefined; logsDir?: string; testFileBytes?: number } = {}): Promise<Lab> {
    const logsDir = opts.logsDir ?? evidenceRoot(process.env.PINHOLE_JSON ?? DEFAULT_JSON_REPORT);
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
      // `kill` of a real client that is stopped) get an agent.
      const agentNodes = topology.nodes().filter((n) => n.kind === 'ftp-server' || n.kind === 'ftp-client' || FORWARDING_KINDS.has(n.kind));
      const agents = await startedAll(agentNodes.map((n) => NodeAgent.start(n)), (a) => resources.defer(() => a[Symbol.asyncDispose]()));
      const byName = new Map(agents.map((a) => [a.node.name, withAgent(a.node, a)]));
      const served = (n: NodeHandle) => byName.get(n.name) ?? n;
      const client = served(firstOfKind(topology, 'ftp-client'));
      const server = served(firstOfKind(topology, 'ftp-server'));
      const firewall = served(firstOfKind(topology, 'firewall'));
      const routers = topology.nodes().filter((n) => FORWARDING_KINDS.has(n.kind)).map(served);
      const routerRulesets: Array<[NodeHandle, Ruleset]> = [];
      for (const r of routers) {
        const node = spec.nodes[r.name]!;
        if (node.kind === 'router' && node.ruleset) routerRulesets.push([r, await loadRuleset(node.ruleset)]);
      }
      // FTPS is offered by every lab (explicit, and implicit on its own port): a certificate costs milliseconds.
      const cert = await makeCertificate(server);
      const settings: FtpServerSettings = { ...serverSpec.ftp, listenIpv6: hasFamily(serverSpec, 'ipv6'), addresses: addressesOf(serverSpec), tls: { cert, implicitPort: IMPLICIT_FTPS_PORT }, testFileBytes: opts.testFileBytes };
      const startServer = () => startFtpServer(opts.serverKind ?? serverSpec.ftp.software, server, settings);
      // Settled, not all: what did start is stopped again when something else did not.
      const started = await Promise.allSettled([
        startServer(),
        probeStarting,
        PacketCapture.start(firewall, Object.keys(spec.nodes[firewall.name]!.interfaces)),
        ...routers.map(async (r) => {
          const res = await r.exec(['nft', '-f', '-'], { input: OBSERVER_RULESET });
          if (res.code !== 0) throw new Error(`node ${r.name}: cannot install the drop observer: ${res.stderr.trim()}`);
        }),
      ]);
      const [ftpStarted, agentStarted, captureStarted] = started;
      const ftpHolder: { ftp?: FtpServer } = {};
      if (ftpStarted?.status === 'fulfilled') {
        ftpHolder.ftp = ftpStarted.value as FtpServer;
        // The lab's current server: a restarted one replaces it (restartServer).
        resources.defer(() => ftpHolder.ftp![Symbol.asyncDispose]());
      }
      if (captureStarted?.status === 'fulfilled') resources.defer(() => (captureStarted.value as PacketCapture)[Symbol.asyncDispose]());
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [ftp, agent, capture] = [ftpHolder.ftp!, (agentStarted as PromiseFulfilledResult<FtpClient>).value, (captureStarted as PromiseFulfilledResult<PacketCapture>).value];
      const observers = routers.map((r) => DropObserver.start(r));
      for (const o of observers) resources.defer(() => o[Symbol.asyncDispose]());

      const lab = new Lab(topology, client, server, firewall, routerRulesets, ftp, startServer, logsDir, agent, observers, capture, resources);
      lab.onServerChange = (next) => (ftpHolder.ftp = next);
      // Fixed router rule sets are in place before the readiness transfer crosses them.
      await Promise.all(routerRulesets.map(([r, rs]) => backendFor(rs.format).apply(r, rs)));
      await lab.awaitReady();
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

  /** Tells Lab.up's cleanup which server to stop once a restart replaced the first. */
  private onServerChange: (next: FtpServer) => void = () => undefined;

  /**
   * A server that died (killed, crashed) is started again before the next cell, with the same
   * settings, and the cell's transcript says so; the cell during which it died is `error`
   * (serverDied). A restart that fails is a LabStartError, as at bring-up.
   */
  private async restartServer(gone: string): Promise<void> {
    // A listener that survived (vsftpd's implicit FTPS one) holds its port: stop it first.
    await Promise.resolve(this.ftp[Symbol.asyncDispose]()).catch(() => undefined);
    try {
      this.ftp = await this.startServer();
    } catch (err) {
      if (err instanceof NodeStartError) throw await labStartError(err, this.logsDir, this.topology.spec.name, ` again after it died (${gone})`);
      throw err;
    }
    this.onServerChange(this.ftp);
    this.restarted = `# the FTP server had died (${gone}); started again before this cell`;
    process.stderr.write(`pinhole: node ${this.server.name}: the FTP server had died (${gone}); started it again\n`);
  }

  /**
   * Every cell ends here: a server that died during it makes it `error` (serverDied), and a
   * restart before it is in its transcript. An `error` cell asks the node whether the server
   * still listens (its exit may not have reached the harness yet). A pass, or a block (which rests
   * on a traced drop of the cell's own SYN, something a dead server does not cause), relies on the
   * exits heard: an exec per blocked cell would cost the docker driver seconds per run.
   */
  private async settled(o: Observation): Promise<Observation> {
    const observed = serverDied(o, await this.ftp.gone(o.outcome === 'error'));
    const note = this.restarted;
    this.restarted = undefined;
    return note ? { ...observed, transcript: [note, ...observed.transcript] } : observed;
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
    return { family: familyOf(serverAddress(this.topology.spec, this.server, family)), serverKind: this.ftp.kind };
  }

  /** Clients other than the probe start on first use: most labs never need them. */
  private readonly clients = new Map<ClientKind, Promise<FtpClient>>();
  private clientFor(kind: ClientKind = 'probe'): Promise<FtpClient> {
    if (kind === 'probe') return Promise.resolve(this.agent);
    let c = this.clients.get(kind);
    if (!c) {
      this.clients.set(kind, (c = startFtpClient(kind, this.client)));
      this.resources.defer(async () => (await c!.catch(() => undefined))?.[Symbol.asyncDispose]());
    }
    return c;
  }

  /** One transfer's parameters; every STOR gets a name of its own, so uploads are checked one by one. */
  private transferSpec(command: FtpCommand): TransferSpec {
    const info = this.ftp.info;
    if (command === 'RETR') return { command, path: info.testFile.path, expect: info.testFile.sha256 };
    if (command === 'STOR') return { command, path: `/upload/transfer-${++this.uploads}.bin`, uploadBytes: 128 * 1024 };
    return { command, path: '/', expect: basename(info.testFile.path) };
  }

  private job(mode: Mode, command: FtpCommand, tls: TlsMode = 'none', family?: Family): Omit<ProbeJob, 'id'> {
    const info = this.ftp.info;
    const common = {
      host: serverAddress(this.topology.spec, this.server, family),
      port: info.port,
      user: info.user,
      password: info.password,
      mode,
      timeoutMs: PROBE_TIMEOUT_MS,
      ...this.tlsJob(tls),
    };
    return { ...common, ...this.transferSpec(command) };
  }

  /** The job fields of an FTPS variant; a variant the server does not offer is a suite bug. */
  private tlsJob(tls: TlsMode): Partial<ProbeJob> {
    if (tls === 'none') return {};
    const offer = this.ftp.info.tls;
    const offered = offer && (tls === 'explicit' || (tls === 'implicit' && offer.implicitPort !== undefined) || (tls === 'ccc' && offer.ccc));
    if (!offered) throw new Error(`${this.ftp.kind} in this lab does not offer FTPS mode ${tls}`);
    return { tls, tlsCa: offer.ca, ...(tls === 'implicit' ? { port: offer.implicitPort! } : {}) };
  }

  /** Each upload of a passed job, with what the server really stored. */
  private async checkUploads(job: Omit<ProbeJob, 'id'>, report: ProbeReport): Promise<NonNullable<Evidence['uploads']>> {
    if (report.failure) return [];
    const sent = report.uploads ?? (job.command === 'STOR' && report.sha256 ? [{ path: job.path, sha256: report.sha256 }] : []);
    return Promise.all(sent.map(async (u) => ({ path: u.path, sent: u.sha256, stored: await this.ftp.storedSha256(basename(u.path)) })));
  }

  /** The isolation boundary between cells: no lingering session, firewall reset, rule set applied. */
  private async prepare(ruleset: Ruleset): Promise<void> {
    const gone = await this.ftp.gone();
    if (gone) await this.restartServer(gone);
    if (this.sessionsMayLinger) await this.ftp.endSessions();
    this.sessionsMayLinger = false;
    // Every router starts the cell with empty connection tracking too, its own rules in place.
    const [prepared] = await Promise.all([this.rulesets.prepare(this.firewall, ruleset), ...this.routerRulesets.map(([r, rs]) => this.rulesets.prepare(r, rs))]);
    this.counters = parseExpectCounters(prepared.stats);
    this.current = { ruleset, listing: prepared.listing, drops: [] };
    for (const o of this.observers) o.reset();
    this.capture.mark();
  }

  async runCell(req: CellRequest): Promise<Observation> {
    await this.prepare(req.ruleset);
    return this.settled(await this.transferObserved(this.job(req.mode, req.command, req.tls, req.family), await this.clientFor(req.client)));
  }

  private async transferObserved(job: Omit<ProbeJob, 'id'>, client: FtpClient = this.agent): Promise<Observation> {
    const { report, drops } = await this.attempt(job, client);
    return classify({ report, drops, uploads: await this.checkUploads(job, report), refusedByRouter: await this.routerRefusal(report, job.mode) });
  }

  /**
   * Several transfers in one control session (RETR, STOR, LIST, each over a new data connection
   * in the same pinned mode): every one needs its own expectation or passive port.
   */
  async runSession(ruleset: Ruleset, mode: Mode): Promise<Observation> {
    await this.prepare(ruleset);
    const [first, ...then] = SESSION_COMMANDS.map((c) => this.transferSpec(c));
    return this.settled(await this.transferObserved({ ...this.job(mode, first!.command), ...first!, then }));
  }

  /** Several sessions at once, each one transfer: all must pass; the first that did not decides. */
  async runConcurrent(ruleset: Ruleset, mode: Mode, command: FtpCommand): Promise<Observation> {
    await this.prepare(ruleset);
    const observed = await Promise.all(Array.from({ length: CONCURRENT_SESSIONS }, () => this.transferObserved(this.job(mode, command))));
    const worst = observed.find((o) => o.outcome === 'blocked') ?? observed.find((o) => o.outcome === 'error');
    const n = (o: Observation) => observed.indexOf(o) + 1;
    return this.settled({
      outcome: worst?.outcome ?? 'pass',
      // The code stays first; which session failed first is said at the end.
      cause: worst ? `${worst.cause} (session ${n(worst)} of ${observed.length})` : null,
      phases: observed.flatMap((o) => o.phases),
      transcript: observed.flatMap((o) => [`# session ${n(o)} of ${observed.length}: ${o.outcome}`, ...o.transcript]),
      durationMs: Math.max(...observed.map((o) => o.durationMs)),
    });
  }

  /**
   * A refused data connection whose SYN was aimed at a router's own address: the router neither
   * forwarded it (no port forward, no expectation) nor had anything listening, and answered RST
   * itself. Evidence that the path refused it, not the server. Two ways to get there: the client
   * dials an address nobody forwards, or (active modes, reply 425) the server dials the control
   * connection's peer instead of a foreign announced address, as proftpd does, and behind
   * masquerade that peer is the router.
   */
  private async routerRefusal(report: ProbeReport, mode: Mode): Promise<Evidence['refusedByRouter']> {
    const f = report.failure;
    const announced = report.dataEndpoint;
    if (!f || !announced || f.phase === 'control-connect') return undefined;
    if (f.kind === 'refused') return this.synToRouterOwnAddress((p) => p.daddr === announced.host && p.dport === announced.port);
    if (f.kind === 'reply' && f.replyCode === 425 && isActive(mode)) {
      const seen = await this.synToRouterOwnAddress((p) => p.dport === announced.port && p.daddr !== announced.host);
      return seen && { ...seen, announced };
    }
    return undefined;
  }

  /** A router's trace of a SYN to one of its own addresses, matching `matches`. */
  private async synToRouterOwnAddress(matches: (p: PacketSummary) => boolean): Promise<{ node: string; host: string; port: number } | undefined> {
    const ownAddresses = (node: string) => addressesOf(this.topology.spec.nodes[node]!);
    const find = () => {
      for (const o of this.observers) {
        const p = o.packetsSeen().find((p) => matches(p) && ownAddresses(o.node.name).includes(p.daddr));
        if (p) return { node: o.node.name, host: p.daddr, port: p.dport };
      }
      return undefined;
    };
    // The kernel traced the SYN before it answered RST, but the trace line and the probe's report
    // travel through different pipes: wait (briefly, by polling) for the trace to arrive.
    return waitFor('a router\'s trace of a SYN to its own address', async () => find(), { timeoutMs: 1000, intervalMs: 5 }).catch(() => undefined);
  }

  /**
   * Runs one probe job and returns its report with the drops that were its own. `alsoOwn`
   * widens "own" for security probes (a packet aimed at a third host).
   */
  private async attempt(
    job: Omit<ProbeJob, 'id'>,
    client: FtpClient = this.agent,
    alsoOwn: (d: DropEvent) => boolean = () => false,
  ): Promise<{ report: ProbeReport; drops: DropEvent[] }> {
    // A drop counts only when it is this cell's own packet: the control connection it dials, or
    // the data endpoint once known. A server still retrying an earlier, aborted cell's active
    // data connection must not decide this one. Drops and the endpoint may arrive in any order,
    // so every drop is kept and re-judged when the endpoint arrives.
    const endpoints: Endpoint[] = [];
    const isOwn = (d: DropEvent) =>
      (d.packet.daddr === job.host && d.packet.dport === job.port) ||
      endpoints.some(
        (endpoint) =>
          d.packet.dport === endpoint.port &&
          // Active endpoints may be rewritten by NAT on the way (nf_nat_ftp keeps the port when it can).
          (isActive(job.mode) || d.packet.daddr === endpoint.host),
      ) ||
      alsoOwn(d);
    let decide: (d: DropEvent) => void = () => undefined;
    const decided = new Promise<DropEvent>((resolve) => (decide = resolve));
    const judgeDrops = () => this.observers.flatMap((o) => o.drops()).filter(isOwn).forEach(decide);
    const unsubscribe = this.observers.map((o) => o.onDrop(judgeDrops));
    const { id, report } = client.run(job, (e) => {
      endpoints.push(e);
      judgeDrops();
    });

    // The first own drop ends the probe at once: the decision rests on that evidence.
    const first = await Promise.race([report, decided]);
    for (const u of unsubscribe) u();
    if (!('phases' in first)) client.abort(id);
    const probeReport = await report;
    // Concurrent sessions share the flag: any unfinished one must be ended before the next cell.
    if (probeReport.failure !== null) this.sessionsMayLinger = true;
    if (probeReport.failure !== null && this.current && !this.current.failed) this.current.failed = { job, report: probeReport };
    const drops = this.observers.flatMap((o) => o.drops()).filter(isOwn);
    this.current?.drops.push(...drops);
    return { report: probeReport, drops };
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
    const job = { ...this.job(mode, 'RETR', 'none', family), announce: { host: victim, port: 8021 } };
    const { report, drops } = await this.attempt(job, this.agent, (d) => d.packet.daddr === victim);
    const reached = this.observers.flatMap((o) => o.packetsSeen().filter((p) => p.daddr === victim && !drops.some((d) => d.packet === p)));
    const expectations = await this.expectationsTo(victim);
    return this.settled(classifyBounce({ report, drops, reachedVictim: reached, expectations, victim }));
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
    const neighbour = await this.attempt({ ...this.job(mode, 'RETR', 'none', family), neighbourIn: range });
    await this.prepare(ruleset);
    const transfer = await this.attempt(this.job(mode, 'RETR', 'none', family));
    const left = await this.expectationsTo();
    return this.settled(classifyPinholeScope({ neighbour, transfer, expectationsLeft: left }));
  }

  /**
   * Helper scope (NAT slipstreaming): the client opens a web connection to the server and sends
   * a PORT/EPRT line inside it; the server, playing the attacker, dials what the line names. With
   * the helper attached only to the FTP port nothing opens and the firewall drops the dial.
   */
  async runHelperScope(ruleset: Ruleset, mode: 'PORT' | 'EPRT'): Promise<Observation> {
    this.attacker ??= WebAttacker.start(this.server, WEB_PORT).then((a) => {
      this.resources.defer(() => a[Symbol.asyncDispose]());
      return a;
    });
    (await this.attacker).reset();
    await this.prepare(ruleset);
    const job = { ...this.job(mode, 'RETR'), port: WEB_PORT, slipstream: { port: WEB_PORT } };
    const { report, drops } = await this.attempt(job);
    const clientAddress = report.dataEndpoint?.host;
    const expectations = clientAddress ? await this.expectationsTo(clientAddress) : [];
    return this.settled(classifyHelperScope({ report, drops, expectations }));
  }

  /** Expectations the firewall holds (`conntrack -L expect`), optionally only those toward `address`. */
  private async expectationsTo(address?: string): Promise<string[]> {
    const r = await this.firewall.exec(['conntrack', '-L', 'expect']);
    return r.stdout.split('\n').filter((l) => l.includes('proto=') && (!address || l.includes(`dst=${address} `)));
  }

  /**
   * Why a cell did not pass, from the firewall's own state read at once (before anything else
   * touches it): the classified cause refined by diagnose(), and that state as evidence.
   */
  async explain(o: Observation, cell: CellFacts): Promise<{ observation: Observation; state: FirewallState | undefined }> {
    const current = this.current;
    const failed = current?.failed;
    // Diagnosis reads the state only for a transfer that failed with a cause to refine.
    const diagnosable = cell.kind === 'transfer' && failed !== undefined && o.cause !== null && o.outcome !== 'pass';
    if (!current || (!diagnosable && !cell.keepState)) return { observation: o, state: undefined };
    const state = await readFirewallState(this.firewall, current.listing());
    if (!diagnosable || !failed || o.cause === null) return { observation: o, state };
    const cause = diagnose({
      cause: o.cause,
      mode: cell.mode,
      tls: cell.tls,
      control: { host: failed.job.host, port: failed.job.port },
      announced: failed.report.dataEndpoint,
      firewall: this.firewall.name,
      before: this.counters,
      state,
    });
    return { observation: cause === o.cause ? o : { ...o, cause }, state };
  }

  /**
   * The smallest rule change that makes a blocked transfer pass, verified by re-running the cell
   * through `rerun` with the change applied. null when no candidate fits or none passes.
   */
  async advise(o: Observation, cell: CellFacts, state: FirewallState | undefined, rerun: (rs: Ruleset) => Promise<Observation>): Promise<Advice | null> {
    const ruleset = this.current?.ruleset;
    if (ADVICE_MODE === 'off' || o.outcome !== 'blocked' || cell.kind !== 'transfer' || !ruleset || !state) return null;
    const serverSpec = this.topology.spec.nodes[this.server.name]!;
    if (serverSpec.kind !== 'ftp-server') return null;
    const family = this.dimensionsFor(cell.family).family;
    const code = causeCode(o.cause);
    const candidates = adviceCandidates({
      code,
      mode: cell.mode,
      family,
      tls: cell.tls,
      format: ruleset.format,
      structure: state.structure,
      server: {
        address: this.server.address(Object.values(serverSpec.interfaces)[0]!.segment, family),
        port: this.ftp.info.port,
        passivePorts: serverSpec.ftp.passivePorts,
      },
    });
    if (candidates.length === 0) return null;
    if (ADVICE_MODE === 'suggest') return { change: candidates[0]!.change, verified: false };
    const key = JSON.stringify([ruleset.file, code, cell.mode, family, cell.tls]);
    const hint = this.adviceHints.get(key);
    const ordered = [...candidates].sort((a, b) => Number(b.change === hint) - Number(a.change === hint));
    for (const c of ordered.slice(0, MAX_ADVICE_TRIES)) {
      const again = await rerun({ ...ruleset, text: c.apply(ruleset.text) });
      if (again.outcome === 'pass') {
        this.adviceHints.set(key, c.change);
        return { change: c.change, verified: true };
      }
    }
    return null;
  }

  /**
   * The current cell's exchange as the firewall captured it. `settle` waits for the capture to
   * go quiet first (about 30 ms), so a failing cell's last packets (the dropped SYN, an RST) are
   * in; a passing cell's ladder may lack the session's closing packets, which decide nothing.
   * `pcaps`: also the capture files, for evidence. Call before anything else runs on the lab:
   * the next cell starts a new capture window.
   */
  async packets(opts: { settle: boolean; pcaps: boolean }): Promise<{ ladder: Ladder; pcaps: Record<string, Buffer> }> {
    // What a blocked cell's ladder needs is its dropped SYN: when the firewall traced the drop,
    // the wait ends once tcpdump's pipe has delivered that SYN, instead of after 30 ms of quiet
    // (most of a blocked cell's time after its probe). Evidence files wait for quiet all the same.
    const dropped = opts.pcaps ? [] : (this.current?.drops ?? []).filter((d) => d.node === this.firewall.name);
    if (opts.settle && dropped.length > 0) await this.capture.settle({ until: () => dropped.every((d) => this.captured(d.packet)) });
    else if (opts.settle || opts.pcaps) await this.capture.settle();
    const spec = this.topology.spec;
    const addresses = (node: NodeHandle) => addressesOf(spec.nodes[node.name]!);
    // The control port the client dialled: the server's, or implicit FTPS's, or the web port of a slipstream probe.
    const ports = new Set([this.ftp.info.port, ...(this.ftp.info.tls?.implicitPort ? [this.ftp.info.tls.implicitPort] : [])]);
    if (this.current?.failed) ports.add(this.current.failed.job.port);
    const ladder = buildLadder({
      records: this.capture.records(),
      firewall: this.firewall.name,
      firewallAddresses: addresses(this.firewall),
      clientAddresses: addresses(this.client),
      serverAddresses: addresses(this.server),
      controlPorts: [...ports],
      sides: firewallSides(spec, this.firewall.name, this.client.name, this.server.name),
    });
    return { ladder, pcaps: opts.pcaps ? Object.fromEntries(this.capture.interfaces.map((i) => [i, this.capture.pcapOf(i)])) : {} };
  }

  /** Whether the firewall's capture holds the SYN `p` (as it arrived, before any NAT). */
  private captured(p: PacketSummary): boolean {
    for (const records of this.capture.records().values()) {
      for (const r of records) {
        const seg = decodeTcp(r);
        if (seg && seg.flags & TCP_FLAG.SYN && seg.sport === p.sport && seg.dport === p.dport && seg.src === p.saddr && seg.dst === p.daddr) return true;
      }
    }
    return false;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.resources[Symbol.asyncDispose]();
  }
}
