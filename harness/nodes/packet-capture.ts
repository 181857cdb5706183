/**
 * Packet capture inside a node (the firewall): one tcpdump per interface writing pcap to its
 * standard output, read here as a stream. The records of the current cell are kept in memory, so
 * a ladder diagram can be drawn from them and `.pcap` evidence files written for Wireshark.
 *
 * Only `node.spawn` and `node.exec` are used, so it works on every driver (on docker, spawn is a
 * `docker exec -i` attach whose stdout carries the pcap bytes unchanged).
 */
import type { ChildProcess } from 'node:child_process';
import type { NodeHandle } from '../drivers/driver.ts';
import { waitFor } from '../exec.ts';
import { PcapSplitter, recordTimeMs, writePcap, type PcapRecord } from './pcap.ts';

/** Enough for every header and an FTP control line; a cell's data payload is not evidence. */
export const CAPTURE_SNAPLEN = 512;
const READY_TIMEOUT_MS = Number(process.env.PINHOLE_CAPTURE_READY_MS ?? 5000);
/** Bounded memory even when nobody calls mark(): a cell is a few hundred packets per interface. */
const MAX_RECORDS_PER_INTERFACE = 20_000;
/** How long a tcpdump may take to exit after SIGTERM before the local process is killed. */
const REAP_MS = 2000;

/** Wall-clock milliseconds with the sub-millisecond part, comparable to capture timestamps. */
const wallMs = () => performance.timeOrigin + performance.now();

/** The tcpdump of one interface. */
class InterfaceCapture {
  readonly splitter = new PcapSplitter();
  records: PcapRecord[] = [];
  /** Records not kept since the last mark because the cap was reached. */
  overflow = 0;
  stderr = '';
  listening = false;
  /** Set when tcpdump exited or its stream could not be read. */
  failure: string | undefined;
  readonly closed: Promise<void>;
  private pidLine: string | undefined;

  constructor(
    readonly iface: string,
    readonly child: ChildProcess,
    onRecords: (got: PcapRecord[], arrived: number) => PcapRecord[],
  ) {
    child.stdin?.end();
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      try {
        const got = onRecords(this.splitter.push(chunk), wallMs());
        const room = MAX_RECORDS_PER_INTERFACE - this.records.length;
        this.records.push(...got.slice(0, Math.max(0, room)));
        this.overflow += Math.max(0, got.length - Math.max(0, room));
      } catch (err) {
        this.failure = (err as Error).message;
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
      // The wrapper script's pid line comes first; tcpdump says "listening on" once the socket
      // is bound and the filter attached, so every packet after it is captured.
      if (this.pidLine === undefined && this.stderr.includes('\n')) this.pidLine = this.stderr.slice(0, this.stderr.indexOf('\n'));
      if (!this.listening && /listening on /.test(this.stderr)) this.listening = true;
    });
    // 'close' comes after the pipes are drained, so stderr is complete in an error message.
    this.closed = new Promise((resolve) => {
      child.once('error', (err) => {
        this.failure ??= err.message;
        resolve();
      });
      child.once('close', (code, signal) => {
        this.failure ??= `exited ${code ?? signal}`;
        resolve();
      });
    });
  }

  get ready(): boolean {
    return this.listening && this.splitter.header !== undefined;
  }

  get pid(): number | undefined {
    return Number(this.pidLine) || undefined;
  }

  /** What tcpdump itself said, without the wrapper's pid line. */
  get tcpdumpStderr(): string {
    const nl = this.stderr.indexOf('\n');
    return (nl < 0 ? '' : this.stderr.slice(nl + 1)).trim();
  }
}

export class PacketCapture implements AsyncDisposable {
  private lastArrival = performance.now();
  private stopping = false;
  private markedAt = -Infinity;
  /**
   * The node's clock minus ours, as far as records tell (a remote Docker engine's host may differ):
   * the largest (capture time - arrival time) seen, which falls short of it by the smallest pipe
   * latency, a fraction of a millisecond. Undefined until a first record arrived.
   */
  private skewMs: number | undefined;

  private constructor(
    readonly node: NodeHandle,
    private readonly captures: Map<string, InterfaceCapture>,
  ) {}

  /**
   * Starts capturing TCP on each interface of `node`; resolves once every tcpdump has written its
   * pcap header and said it is listening. A tcpdump that exits first (an unknown interface, no
   * tcpdump in the node) fails the start with its own message, after the others are stopped.
   */
  static async start(node: NodeHandle, interfaces: readonly string[], opts: { readyTimeoutMs?: number } = {}): Promise<PacketCapture> {
    if (interfaces.length === 0) throw new Error(`node ${node.name}: no interface to capture on`);
    const captures = new Map<string, InterfaceCapture>();
    const capture = new PacketCapture(node, captures);
    for (const iface of interfaces) {
      // -U with --immediate-mode: each packet reaches the pipe as it is captured, not when a
      // kernel buffer block fills or times out (up to a second later: after the cell ended).
      // The script prints its pid (to stderr: stdout is the pcap stream) and becomes tcpdump, so
      // it can be stopped inside the node; argv travels as "$0" "$@", never through the script.
      // Nanosecond timestamps: the copies of one packet on two interfaces are microseconds apart,
      // and which came first says where it entered.
      const argv = ['tcpdump', '-i', iface, '-U', '--immediate-mode', '--time-stamp-precision=nano', '-w', '-', '-s', String(CAPTURE_SNAPLEN), '-n', 'tcp'];
      const child = node.spawn(['sh', '-c', 'echo $$ >&2; exec "$0" "$@"', ...argv]);
      captures.set(iface, new InterfaceCapture(iface, child, (got, arrived) => capture.arrived(got, arrived)));
    }
    try {
      await waitFor(
        `tcpdump on ${interfaces.join(', ')} in node ${node.name} to listen`,
        async () => {
          const failed = [...captures.values()].find((c) => c.failure);
          if (failed) {
            await failed.closed;
            throw new Error(`node ${node.name}: tcpdump on ${failed.iface}: ${failed.failure} before it listened: ${failed.tcpdumpStderr || 'no output'}`);
          }
          return [...captures.values()].every((c) => c.ready);
        },
        { timeoutMs: opts.readyTimeoutMs ?? READY_TIMEOUT_MS, intervalMs: 5 },
      );
    } catch (err) {
      const late = [...captures.values()].filter((c) => !c.failure && !c.ready);
      const state = late.map((c) => `${c.iface}: pcap header ${c.splitter.header ? 'written' : 'not written'}, ${c.listening ? 'listening' : 'not listening'}${c.tcpdumpStderr ? `, stderr: ${c.tcpdumpStderr}` : ''}`);
      await capture[Symbol.asyncDispose]().catch(() => undefined);
      if (state.length > 0 && /^timed out/.test((err as Error).message)) throw new Error(`${(err as Error).message} (${state.join('; ')})`);
      throw err;
    }
    return capture;
  }

  get interfaces(): string[] {
    return [...this.captures.keys()];
  }

  /**
   * A cell starts: records from before now are forgotten (memory holds one cell). Packets of the
   * previous cell still in tcpdump's pipe are recognised by their capture time when they arrive,
   * so no settle() is needed between cells: only before reading records.
   */
  mark(): void {
    this.markedAt = wallMs();
    for (const c of this.captures.values()) {
      c.records = [];
      c.overflow = 0;
    }
  }

  /** Records that arrived on a pipe: those captured before the last mark are left out. */
  private arrived(got: PcapRecord[], arrived: number): PcapRecord[] {
    if (got.length === 0) return got;
    this.lastArrival = performance.now();
    for (const r of got) this.skewMs = Math.max(this.skewMs ?? -Infinity, recordTimeMs(r) - arrived);
    return got.filter((r) => recordTimeMs(r) - this.skewMs! >= this.markedAt);
  }

  /** No record has arrived for `ms`: nothing crossed the captured node's interfaces meanwhile (tcpdump's pipe adds a little). */
  quietFor(ms: number): boolean {
    return performance.now() - this.lastArrival >= ms;
  }

  /**
   * Waits until no record has arrived for `quietMs` (counted from this call at the earliest), or
   * `timeoutMs` passed; call it before reading a cell's records. A cell's last packets (FIN, the
   * final ACKs) cross the firewall about when the probe reports, but reach this process later,
   * through tcpdump's pipe. Not a readiness
   * wait: under steady traffic it gives up at the deadline without error, the records being as
   * complete as they will get. A tcpdump that died is an error: the records would be silently short.
   */
  async settle(opts: { quietMs?: number; timeoutMs?: number; /** Ends the wait as soon as it holds: the records needed are in. */ until?: () => boolean } = {}): Promise<void> {
    const quietMs = opts.quietMs ?? 30;
    const start = performance.now();
    const deadline = start + (opts.timeoutMs ?? 500);
    for (;;) {
      this.throwIfFailed();
      if (opts.until?.()) return;
      const now = performance.now();
      const quietSince = Math.max(start, this.lastArrival);
      if (now - quietSince >= quietMs || now >= deadline) return;
      // Looked at again every few milliseconds while waiting for particular records.
      await new Promise((r) => setTimeout(r, Math.min(quietMs - (now - quietSince), deadline - now, opts.until ? 2 : Infinity) + 1));
    }
  }

  private throwIfFailed(): void {
    if (this.stopping) return;
    const failed = [...this.captures.values()].find((c) => c.failure);
    if (failed) throw new Error(`node ${this.node.name}: capture on ${failed.iface} stopped: ${failed.failure}: ${failed.tcpdumpStderr || 'no output'}`);
  }

  /** Records since the last mark, by interface, in capture order. */
  records(): Map<string, PcapRecord[]> {
    return new Map([...this.captures].map(([iface, c]) => [iface, [...c.records]]));
  }

  /** Records since the last mark that were not kept because an interface reached the cap. */
  overflow(iface: string): number {
    return this.capture(iface).overflow;
  }

  /** A complete pcap file of one interface's records since the last mark (for Wireshark). */
  pcapOf(iface: string): Buffer {
    const c = this.capture(iface);
    const h = c.splitter.header!;
    return writePcap(c.records, h.linktype, { snaplen: h.snaplen, nanosecond: h.nanosecond });
  }

  private capture(iface: string): InterfaceCapture {
    const c = this.captures.get(iface);
    if (!c) throw new Error(`node ${this.node.name}: no capture on ${iface} (captured: ${this.interfaces.join(', ')})`);
    return c;
  }

  /** Stops every tcpdump inside the node (SIGTERM, so it flushes) and waits until each is gone. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.captures.values()].map(async (c) => {
        if (c.child.exitCode === null && c.child.signalCode === null) {
          // On docker, killing the `docker exec` client would leave tcpdump running in the container.
          if (c.pid !== undefined) await this.node.exec(['kill', '-TERM', String(c.pid)]).catch(() => undefined);
          else c.child.kill('SIGTERM');
        }
        const reap = setTimeout(() => c.child.kill('SIGKILL'), REAP_MS);
        await c.closed;
        clearTimeout(reap);
      }),
    );
  }
}
