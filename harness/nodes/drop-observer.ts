/**
 * Evidence that a router dropped a connection attempt, read from the kernel rather than inferred
 * from a client timeout. Every TCP SYN entering the node is marked for nftables tracing by a
 * chain that runs before all others (prerouting, priority -1000); `nft monitor trace` then
 * reports each base chain's verdict for it, including `policy drop` and `(verdict drop)`.
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

export interface PacketSummary {
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  iif: string;
}

export interface DropEvent {
  node: string;
  /** `inet filter forward` */
  chain: string;
  /** The rule that dropped, or `policy drop`. */
  rule: string;
  packet: PacketSummary;
  at: number;
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

export function parseTraceLine(line: string): { id: string; chain: string; packet?: PacketSummary; drop?: string; verdict?: TraceVerdict; seen: boolean } | undefined {
  const m = /^trace id (\w+) (\S+ \S+ \S+) (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const [, id, chain, rest] = m as unknown as [string, string, string, string];
  if (rest.startsWith('packet: ')) {
    const field = (re: RegExp) => re.exec(rest)?.[1] ?? '';
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

export class DropObserver implements AsyncDisposable {
  private readonly packets = new Map<string, PacketSummary>();
  /** By trace id, the chains' verdicts (a packet keeps its id across hooks). */
  private readonly verdicts = new Map<string, TraceVerdict[]>();
  private events: DropEvent[] = [];
  private listeners = new Set<(e: DropEvent) => void>();
  private tracedSinceStart = 0;
  private lastLineAt = 0;

  private constructor(
    readonly node: NodeHandle,
    private readonly monitor: ChildProcess,
  ) {}

  static start(node: NodeHandle): DropObserver {
    const monitor = node.spawn(['nft', 'monitor', 'trace']);
    const observer = new DropObserver(node, monitor);
    createInterface({ input: monitor.stdout! }).on('line', (l) => observer.onLine(l));
    return observer;
  }

  /** How many traced packets this observer has seen: readiness is "at least one". */
  get traced(): number {
    return this.tracedSinceStart;
  }

  private onLine(line: string) {
    const t = parseTraceLine(line);
    if (!t) return;
    this.tracedSinceStart++;
    this.lastLineAt = performance.now();
    if (t.packet && !this.packets.has(t.id)) this.packets.set(t.id, t.packet);
    if (t.verdict) this.verdicts.set(t.id, [...(this.verdicts.get(t.id) ?? []), t.verdict]);
    if (t.drop) {
      const packet = this.packets.get(t.id);
      if (!packet) return;
      const ev: DropEvent = { node: this.node.name, chain: t.chain, rule: t.drop, packet, at: performance.now() };
      this.events.push(ev);
      for (const l of this.listeners) l(ev);
    }
    if (this.packets.size > 10_000) {
      this.packets.clear();
      this.verdicts.clear();
    }
  }

  /** Forgets earlier drops: called when a cell starts, so only its own packets count. */
  reset(): void {
    this.events = [];
    this.packets.clear();
    this.verdicts.clear();
  }

  /** No trace line has come for `ms`: the lines of every packet seen so far are in. */
  quietFor(ms: number): boolean {
    return performance.now() - this.lastLineAt >= ms;
  }

  /** Every SYN traced since the last reset, with its chains' verdicts: what attribution reads. */
  traces(): PacketTrace[] {
    return [...this.packets].map(([id, packet]) => ({ node: this.node.name, packet, verdicts: this.verdicts.get(id) ?? [] }));
  }

  drops(): DropEvent[] {
    return [...this.events];
  }

  /** Every SYN traced since the last reset, whatever its fate (security probes look for any). */
  packetsSeen(): PacketSummary[] {
    return [...this.packets.values()];
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
