/**
 * Evidence that a node dropped or rejected a packet, read from the kernel rather than inferred
 * from a client timeout. The observer's table (harness/rulesets/observer-ruleset.ts) marks every
 * TCP SYN for nftables tracing in chains that run before all others (priority -1000), and every
 * TCP packet while a job has stalled; `nft monitor trace` then reports each base chain's verdict,
 * including `policy drop` and `(verdict drop)` (a reject is traced as a drop).
 *
 * Why a drop seen here decides "blocked" without flapping: the conntrack helper creates its
 * expectation while the 227/229 reply or the PORT/EPRT command crosses the firewall, i.e. before
 * the peer can even learn the data port. So when the data connection's first SYN is dropped, the
 * rule set had already had every chance to accept it; a retransmission would meet the same rules.
 * Iptables rule sets are traced too: Debian's iptables is iptables-nft.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NodeHandle } from '../drivers/driver.ts';
import type { NodeAgent } from './node-agent.ts';
import { FENCE_ADDRESS, FENCE_PORTS, OBSERVER_TABLE } from '../rulesets/observer-ruleset.ts';
import { TCP_FLAG } from './pcap.ts';

export interface PacketSummary {
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  iif: string;
  /** TCP flags as names joined by `|` (`syn`, `syn|ack`, `ack`, `psh|ack`, `fin|ack`, `rst|ack`). */
  flags: string;
  /** Bytes of TCP payload, from the IP length (header sizes as Linux sends them: IPv4 20, TCP 32 with timestamps after the SYN). */
  payload: number;
}

/** A TCP packet that opens a connection (SYN) or answers one (SYN-ACK): what attribution and ownership start from. */
export function isSyn(p: PacketSummary): boolean {
  return p.flags.split('|').includes('syn');
}

export interface DropEvent {
  node: string;
  /** `inet filter forward` */
  chain: string;
  /** The rule that dropped or rejected (its text, or `handle N`), or `policy drop`. */
  rule: string;
  /** The chain's verdict as traced: a rule's handle, for naming it as written (harness/evidence/attribution.ts). */
  verdict: TraceVerdict;
  packet: PacketSummary;
  at: number;
}

/** nft's names of the TCP flags, in the order pinhole writes them; nft prints a combination as hex (`0x12`), one flag by its name. */
const TCP_FLAG_BITS: ReadonlyArray<[number, string]> = [
  [TCP_FLAG.SYN, 'syn'],
  [TCP_FLAG.FIN, 'fin'],
  [TCP_FLAG.RST, 'rst'],
  [TCP_FLAG.PSH, 'psh'],
  [TCP_FLAG.ACK, 'ack'],
  [TCP_FLAG.URG, 'urg'],
  [TCP_FLAG.ECE, 'ecn'],
  [TCP_FLAG.CWR, 'cwr'],
];

/** The bits of flags written as `tcpFlagNames` writes them (`psh|ack`). */
export function tcpFlagBits(names: string): number {
  const wanted = names.split('|');
  return TCP_FLAG_BITS.filter(([, name]) => wanted.includes(name)).reduce((bits, [bit]) => bits | bit, 0);
}

export function tcpFlagNames(printed: string): string {
  const n = /^0x[0-9a-f]+$/i.test(printed) ? Number.parseInt(printed, 16) : undefined;
  if (n === undefined) return printed.replace(/\s*\|\s*/g, '|');
  return TCP_FLAG_BITS.filter(([bit]) => (n & bit) !== 0).map(([, name]) => name).join('|');
}

/**
 * The payload a traced TCP packet carries. nft's trace line prints the IP length but not the TCP
 * header's: Linux sends a SYN's header with 40 bytes (options), any other with 32 (timestamps).
 */
function payloadOf(rest: string, flags: string): number {
  const v4 = /ip length (\d+)/.exec(rest);
  const v6 = /ip6 length (\d+)/.exec(rest);
  const tcpHeader = flags.split('|').includes('syn') ? 40 : 32;
  const l4 = v4 ? Number(v4[1]) - 20 : v6 ? Number(v6[1]) : 0;
  return Math.max(0, l4 - tcpHeader);
}

/**
 * Parses one line of `nft monitor trace` (nftables 1.0.x text format), IPv4 (`ip saddr`) and
 * IPv6 (`ip6 saddr`) alike. The monitor names rules from the rule set it read when it started
 * and never reads it again, so a rule applied later shows as `unknown rule handle N`.
 */
/**
 * A base or regular chain's word on a traced packet: a rule that matched (by its text, or by its
 * handle when the monitor does not know the rule) with its verdict, or the chain's policy.
 */
export interface TraceVerdict {
  /** `inet filter forward` */
  chain: string;
  /** The rule's text as nft prints it; null for the chain's policy, or a rule known by handle only. */
  rule: string | null;
  handle?: number;
  /** `accept`, `drop`, `continue`, `jump NAME`...; a policy's `accept` or `drop`. */
  verdict: string;
  policy: boolean;
}

const FENCE_LINE = new RegExp(`ip daddr ${FENCE_ADDRESS.replaceAll('.', '\\.')} .*udp dport (\\d+)`);
/** A line's trace id, table and what follows the chain's name: enough to tell a line worth parsing. */
const TRACE_HEAD = /^trace id (\w+) \S+ (\S+) \S+ (.*)$/;
/** A verdict line that drops or rejects: the only verdicts kept of a packet other than a SYN. */
const STOPPING = /^policy drop|\(verdict (?:drop|reject)\)$/;

export function parseTraceLine(line: string): { id: string; chain: string; packet?: PacketSummary; fence?: number; drop?: string; verdict?: TraceVerdict; seen: boolean } | undefined {
  const m = /^trace id (\w+) (\S+ \S+ \S+) (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const [, id, chain, rest] = m as unknown as [string, string, string, string];
  if (rest.startsWith('packet: ')) {
    const field = (re: RegExp) => re.exec(rest)?.[1] ?? '';
    const fence = FENCE_LINE.exec(rest);
    if (fence) return { id, chain, seen: true, fence: Number(fence[1]) };
    // Only TCP is the observer's: anything else (a user's chain tracing more) is not a transfer's.
    if (!/ tcp sport \d+/.test(rest)) return { id, chain, seen: true };
    const flags = tcpFlagNames(field(/tcp flags == (\S+)/));
    return {
      id,
      chain,
      seen: true,
      packet: {
        saddr: field(/ip6? saddr (\S+)/),
        daddr: field(/ip6? daddr (\S+)/),
        sport: Number(field(/tcp sport (\d+)/)),
        dport: Number(field(/tcp dport (\d+)/)),
        iif: field(/iif "([^"]+)"/),
        flags,
        payload: payloadOf(rest, flags),
      },
    };
  }
  const policy = /^policy (\w+)/.exec(rest);
  if (policy) {
    const v: TraceVerdict = { chain, rule: null, verdict: policy[1]!, policy: true };
    return { id, chain, verdict: v, ...(policy[1] === 'drop' ? { drop: 'policy drop' } : {}), seen: true };
  }
  const matched = /^(?:rule (.*)|unknown rule handle (\d+)) \(verdict ([^)]+)\)$/.exec(rest);
  if (matched) {
    const [, text, handle, verdict] = matched as unknown as [string, string | undefined, string | undefined, string];
    const v: TraceVerdict = { chain, rule: text ?? null, ...(handle ? { handle: Number(handle) } : {}), verdict, policy: false };
    const drops = verdict === 'drop' || verdict === 'reject';
    return { id, chain, verdict: v, ...(drops ? { drop: text ?? `handle ${handle}` } : {}), seen: true };
  }
  return { id, chain, seen: true };
}

/** A traced SYN and what every chain it crossed said of it, in order. */
export interface PacketTrace {
  node: string;
  packet: PacketSummary;
  verdicts: TraceVerdict[];
}

/** How long a fence waits for its own datagram's trace before it gives up (a monitor that lost it). */
const FENCE_TIMEOUT_MS = 2000;

export class DropObserver implements AsyncDisposable {
  /**
   * The packet each trace id stands for now. The kernel derives a packet's trace id from its flow,
   * so later packets of a connection come under the SYN's id: the observer's own chain (the
   * first every traced packet crosses) starts a new packet for the id.
   */
  private readonly current = new Map<string, PacketTrace>();
  /** SYNs and SYN-ACKs traced since the last reset, with their chains' verdicts: what attribution reads. */
  private syns: PacketTrace[] = [];
  private events: DropEvent[] = [];
  private listeners = new Set<(e: DropEvent) => void>();
  private tracedSinceStart = 0;
  private nextFence = FENCE_PORTS.min;
  private readonly fences = new Map<number, () => void>();

  private constructor(
    readonly node: NodeHandle,
    private readonly monitor: ChildProcess,
    private readonly agent: NodeAgent | undefined,
  ) {}

  /** `agent`: the node's agent, which sends the fence's datagram without a program start. */
  static start(node: NodeHandle, agent?: NodeAgent): DropObserver {
    const monitor = node.spawn(['nft', 'monitor', 'trace']);
    const observer = new DropObserver(node, monitor, agent);
    createInterface({ input: monitor.stdout! }).on('line', (l) => observer.onLine(l));
    return observer;
  }

  /** Whether `nft monitor trace` still runs: an observer whose monitor ended sees nothing more. */
  get alive(): boolean {
    return this.monitor.exitCode === null && this.monitor.signalCode === null;
  }

  /** How many traced packets this observer has seen: readiness is "at least one". */
  get traced(): number {
    return this.tracedSinceStart;
  }

  private onLine(line: string) {
    // Most lines are the accepts and `continue`s of control-connection packets, whose path is
    // not kept, and the other chains' copies of a packet line: passed over without parsing.
    const head = TRACE_HEAD.exec(line.trim());
    if (!head) return;
    this.tracedSinceStart++;
    const [, id, table, rest] = head as unknown as [string, string, string, string];
    const known = this.current.get(id);
    if (rest.startsWith('packet: ') ? known && table !== OBSERVER_TABLE : !known || (!isSyn(known.packet) && !STOPPING.test(rest.trimEnd()))) return;
    const t = parseTraceLine(line);
    if (!t) return;
    if (t.fence !== undefined) {
      this.fences.get(t.fence)?.();
      return;
    }
    if (t.packet && (t.chain.split(' ')[1] === OBSERVER_TABLE || !this.current.has(t.id))) {
      if (this.current.size > 10_000) this.current.clear();
      // A retransmitted SYN is the same connection's first packet again: one record, one packet.
      const p = t.packet;
      const first = isSyn(p) ? this.syns.find((s) => s.packet.flags === p.flags && s.packet.saddr === p.saddr && s.packet.sport === p.sport && s.packet.daddr === p.daddr && s.packet.dport === p.dport) : undefined;
      const trace: PacketTrace = { node: this.node.name, packet: first?.packet ?? p, verdicts: [] };
      this.current.set(t.id, trace);
      if (isSyn(p) && !first) this.syns.push(trace);
    }
    const trace = this.current.get(t.id);
    if (!trace) return;
    // Only a SYN's whole path is kept (attribution); of any other packet, only a drop matters.
    if (t.verdict && isSyn(trace.packet)) trace.verdicts.push(t.verdict);
    if (t.drop && t.verdict) {
      const ev: DropEvent = { node: this.node.name, chain: t.chain, rule: t.drop, verdict: t.verdict, packet: trace.packet, at: performance.now() };
      this.events.push(ev);
      for (const l of this.listeners) l(ev);
    }
  }

  /** Forgets earlier packets and drops: called when a cell starts, so only its own packets count. */
  reset(): void {
    this.events = [];
    this.current.clear();
    this.syns = [];
  }

  /**
   * Resolves once every packet the node's kernel traced before the call has been read. A
   * reject answers the client in microseconds, and its trace travels through nft's pipe while
   * the client's report travels through another: reading up to a datagram sent now (traced by
   * the observer's own table, in the node's loopback) puts every earlier trace line in, in the
   * order the kernel queued them. Not a wait on time: it ends when that datagram's line arrives.
   */
  async fence(): Promise<void> {
    const port = this.nextFence;
    this.nextFence = port >= FENCE_PORTS.max ? FENCE_PORTS.min : port + 1;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve) => {
      this.fences.set(port, resolve);
      timer = setTimeout(resolve, FENCE_TIMEOUT_MS);
    });
    try {
      if (this.agent) {
        await this.agent.sendDatagram(FENCE_ADDRESS, port);
        await seen;
      } else {
        // A constant script; the address and port are its positional parameters.
        const sent = await this.node.exec(['bash', '-c', 'echo > "/dev/udp/$0/$1"', FENCE_ADDRESS, String(port)]);
        if (sent.code === 0) await seen;
      }
    } finally {
      clearTimeout(timer);
      this.fences.delete(port);
    }
  }

  /** Every SYN and SYN-ACK traced since the last reset, with its chains' verdicts: what attribution reads. */
  traces(): PacketTrace[] {
    return [...this.syns];
  }

  drops(): DropEvent[] {
    return [...this.events];
  }

  /** Every SYN and SYN-ACK traced since the last reset, whatever its fate (security probes look for any). */
  packetsSeen(): PacketSummary[] {
    return this.syns.map((t) => t.packet);
  }

  onDrop(listener: (e: DropEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.monitor.exitCode !== null || this.monitor.signalCode !== null) return;
    const gone = new Promise((r) => this.monitor.once('exit', r));
    this.monitor.kill('SIGTERM');
    await gone;
  }
}
