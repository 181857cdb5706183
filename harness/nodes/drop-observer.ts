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
export function parseTraceLine(line: string): { id: string; chain: string; packet?: PacketSummary; drop?: string; seen: boolean } | undefined {
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
  if (/^policy drop\b/.test(rest)) return { id, chain, drop: 'policy drop', seen: true };
  const verdict = /^(?:rule (.*)|unknown rule (handle \d+)) \(verdict (?:drop|reject)\)$/.exec(rest);
  if (verdict) return { id, chain, drop: verdict[1] ?? verdict[2], seen: true };
  return { id, chain, seen: true };
}

export class DropObserver implements AsyncDisposable {
  private readonly packets = new Map<string, PacketSummary>();
  private events: DropEvent[] = [];
  private listeners = new Set<(e: DropEvent) => void>();
  private tracedSinceStart = 0;

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
    if (t.packet && !this.packets.has(t.id)) this.packets.set(t.id, t.packet);
    if (t.drop) {
      const packet = this.packets.get(t.id);
      if (!packet) return;
      const ev: DropEvent = { node: this.node.name, chain: t.chain, rule: t.drop, packet, at: performance.now() };
      this.events.push(ev);
      for (const l of this.listeners) l(ev);
    }
    if (this.packets.size > 10_000) this.packets.clear();
  }

  /** Forgets earlier drops: called when a cell starts, so only its own packets count. */
  reset(): void {
    this.events = [];
    this.packets.clear();
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
