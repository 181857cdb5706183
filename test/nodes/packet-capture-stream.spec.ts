// PacketCapture against a fake node whose "tcpdump" is driven by the test: readiness (pcap header
// and "listening on", both needed), early exit, mark() dropping late records of the previous
// cell by capture time (also when the node's clock is not ours), settle, dispose. The real
// tcpdump in a real firewall node is test/nodes/packet-capture.spec.ts.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { test, expect } from '@playwright/test';
import type { NodeHandle } from '../../harness/drivers/driver.ts';
import { LINKTYPE, writePcap } from '../../harness/nodes/pcap.ts';
import { PacketCapture } from '../../harness/nodes/packet-capture.ts';
import { ethernetFrame } from '../support/tcp-frames.ts';

class FakeTcpdump extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  constructor(
    readonly argv: readonly string[],
    readonly pid: number,
  ) {
    super();
    this.stderr.write(`${pid}\n`);
  }

  get iface(): string {
    return this.argv[this.argv.indexOf('-i') + 1]!;
  }

  header(): void {
    this.stdout.write(writePcap([], LINKTYPE.ETHERNET, { snaplen: 512 }));
  }

  listening(): void {
    this.stderr.write(`tcpdump: listening on ${this.iface}, link-type EN10MB (Ethernet), snapshot length 512 bytes\n`);
  }

  /** A SYN captured at `atMs` (the node's wall clock), written to the pipe now. */
  packet(atMs: number, sport = 40000): void {
    const frame = ethernetFrame({ src: '192.168.10.10', dst: '203.0.113.10', sport, dport: 21, flags: 'S' }, '02:00:00:00:01:0a', '02:00:00:00:01:fe');
    const ns = Math.round(atMs * 1e6);
    const record = { sec: Math.floor(ns / 1e9), nsec: ns % 1e9, origLen: frame.length, data: frame, linktype: LINKTYPE.ETHERNET };
    this.stdout.write(writePcap([record], LINKTYPE.ETHERNET).subarray(24));
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    [this.exitCode, this.signalCode] = [code, signal];
    this.stdout.end();
    this.stderr.end();
    setImmediate(() => {
      this.emit('exit', code, signal);
      this.emit('close', code, signal);
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.exit(null, signal);
    return true;
  }
}

/** A node whose spawn starts a FakeTcpdump; `kill -TERM <pid>` inside it stops that one. */
function fakeNode(onSpawn: (t: FakeTcpdump) => void = (t) => (t.header(), t.listening())) {
  const spawned: FakeTcpdump[] = [];
  const node = {
    name: 'fw',
    kind: 'firewall',
    workDir: '/nonexistent',
    spawn(argv: readonly string[]) {
      const t = new FakeTcpdump(argv.slice(argv.indexOf('tcpdump')), 1000 + spawned.length);
      spawned.push(t);
      setImmediate(() => onSpawn(t));
      return t as unknown as ChildProcess;
    },
    async exec(argv: readonly string[]) {
      if (argv[0] === 'kill') spawned.find((t) => t.pid === Number(argv[2]))?.exit(0);
      return { code: 0, stdout: '', stderr: '' };
    },
    writeFile: async () => undefined,
    readFile: async () => '',
    killDescendants: async () => undefined,
    address: () => '',
  } satisfies NodeHandle;
  return { node, spawned };
}

const now = () => performance.timeOrigin + performance.now();

test('tcpdump is started per interface with a fixed argv, and ready only with both its pcap header and "listening on"', async () => {
  let release: () => void = () => undefined;
  const { node, spawned } = fakeNode((t) => {
    t.listening();
    // The header of wan0 comes late: the capture must not be ready before it.
    if (t.iface === 'lan0') t.header();
    else release = () => t.header();
  });
  let ready = false;
  const starting = PacketCapture.start(node, ['lan0', 'wan0']).then((c) => ((ready = true), c));
  await expect.poll(() => spawned.length).toBe(2);
  await new Promise((r) => setTimeout(r, 50));
  expect(ready).toBe(false);
  release();
  await using capture = await starting;
  expect(spawned[0]!.argv).toEqual(['tcpdump', '-i', 'lan0', '-U', '--immediate-mode', '--time-stamp-precision=nano', '-w', '-', '-s', '512', '-n', 'tcp']);
  expect(capture.interfaces).toEqual(['lan0', 'wan0']);
});

test('a tcpdump that exits before listening fails the start with its stderr, and the others are stopped', async () => {
  const { node, spawned } = fakeNode((t) => {
    if (t.iface === 'lan0') return t.header(), t.listening();
    t.stderr.write('tcpdump: wan9: No such device exists\n');
    t.exit(1);
  });
  await expect(PacketCapture.start(node, ['lan0', 'wan9'])).rejects.toThrow('node fw: tcpdump on wan9: exited 1 before it listened: tcpdump: wan9: No such device exists');
  expect(spawned[0]!.exitCode).toBe(0);
});

test('a tcpdump that never gets ready times out saying what it lacked', async () => {
  const { node } = fakeNode((t) => t.listening());
  await expect(PacketCapture.start(node, ['lan0'], { readyTimeoutMs: 100 })).rejects.toThrow(
    'timed out after 100 ms waiting for tcpdump on lan0 in node fw to listen (lan0: pcap header not written, listening, stderr: tcpdump: listening on lan0',
  );
});

test('mark() forgets earlier records, and drops records captured before it that arrive after it', async () => {
  const { node, spawned } = fakeNode();
  await using capture = await PacketCapture.start(node, ['lan0']);
  const t = spawned[0]!;
  // Delivered as soon as captured, as records mostly are: that is what tells the clocks' offset.
  t.packet(now(), 1);
  await expect.poll(() => capture.records().get('lan0')!.length).toBe(1);
  // Times are taken from the mark, not from when the packet is sent: a loaded machine may take
  // milliseconds between the two lines, and "2 ms before now" would then be after the mark.
  const marked = now();
  capture.mark();
  expect(capture.records().get('lan0')).toEqual([]);
  // Captured before the mark, still in the pipe: the previous cell's. 50 ms before, not 2: the
  // clocks' offset is learnt from delivery times, and a loaded machine delivers late by
  // milliseconds (an error that keeps a stale packet, never loses a current one).
  t.packet(marked - 50, 2);
  t.packet(now() + 0.5, 3);
  await capture.settle();
  expect(capture.records().get('lan0')!.map((r) => r.data.readUInt16BE(34))).toEqual([3]);
});

test('the node\'s clock may differ from ours (a remote Docker host): mark() goes by the skew the records show', async () => {
  const { node, spawned } = fakeNode();
  await using capture = await PacketCapture.start(node, ['lan0']);
  const t = spawned[0]!;
  const skew = 3_600_000;
  t.packet(now() + skew, 1);
  await expect.poll(() => capture.records().get('lan0')!.length).toBe(1);
  const marked = now();
  capture.mark();
  t.packet(marked + skew - 50, 2);
  t.packet(now() + skew + 0.5, 3);
  await capture.settle();
  expect(capture.records().get('lan0')!.map((r) => r.data.readUInt16BE(34))).toEqual([3]);
  const pcap = capture.pcapOf('lan0');
  // The evidence file keeps what tcpdump wrote: nanosecond timestamps, its snap length.
  expect(pcap.readUInt32LE(0)).toBe(0xa1b23c4d);
  expect(pcap.readUInt32LE(16)).toBe(512);
});

test('settle waits for the pipe to go quiet, up to its deadline; a tcpdump that died is an error', async () => {
  const { node, spawned } = fakeNode();
  await using capture = await PacketCapture.start(node, ['lan0']);
  const t = spawned[0]!;
  capture.mark();
  // A packet every 10 ms for 100 ms: settle(quiet 30) ends about 30 ms after the last.
  const timer = setInterval(() => t.packet(now()), 10);
  setTimeout(() => clearInterval(timer), 100);
  const started = performance.now();
  await capture.settle({ quietMs: 30, timeoutMs: 1000 });
  const waited = performance.now() - started;
  expect(waited).toBeGreaterThanOrEqual(120);
  expect(capture.records().get('lan0')!.length).toBeGreaterThanOrEqual(8);
  // Steady traffic: the deadline ends it.
  const steady = setInterval(() => t.packet(now()), 5);
  const s2 = performance.now();
  await capture.settle({ quietMs: 30, timeoutMs: 100 });
  clearInterval(steady);
  expect(performance.now() - s2).toBeLessThan(200);

  t.stderr.write('tcpdump: pcap_loop: The interface disappeared\n');
  t.exit(1);
  await expect.poll(() => capture.settle().then(() => 'settled', (e: Error) => e.message)).toBe('node fw: capture on lan0 stopped: exited 1: tcpdump: listening on lan0, link-type EN10MB (Ethernet), snapshot length 512 bytes\ntcpdump: pcap_loop: The interface disappeared');
});

test('dispose stops each tcpdump inside the node by its pid and waits for it', async () => {
  const { node, spawned } = fakeNode();
  const capture = await PacketCapture.start(node, ['lan0', 'wan0']);
  await capture[Symbol.asyncDispose]();
  expect(spawned.map((t) => t.exitCode)).toEqual([0, 0]);
});
