// Synthetic captures for pcap and ladder tests: Ethernet + IPv4/IPv6 + TCP frames, and a firewall
// that "forwards" a packet by recording it entering one interface and leaving another (maybe
// rewritten), the way tcpdump on each interface would see it. Checksums are left 0: nothing here
// verifies them, and captures of offloaded traffic carry wrong ones anyway.
import ipaddr from 'ipaddr.js';
import { LINKTYPE, TCP_FLAG, type PcapRecord } from '../../harness/nodes/pcap.ts';

export interface Segment {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** Any of S, A, F, R, P: `SA` is SYN-ACK, `PA` data. */
  flags: string;
  seq?: number;
  ack?: number;
  window?: number;
  ipId?: number;
  ts?: [number, number];
  payload?: string | Buffer;
  /** The payload's length on the wire when it differs from what is captured (a snap length cut). */
  wireLength?: number;
}

const FLAG_BITS: Record<string, number> = { S: TCP_FLAG.SYN, A: TCP_FLAG.ACK, F: TCP_FLAG.FIN, R: TCP_FLAG.RST, P: TCP_FLAG.PSH };
const macBytes = (mac: string) => Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));

/** The IP packet (no link layer) carrying `s`. */
export function ipPacket(s: Segment): Buffer {
  const payload = typeof s.payload === 'string' ? Buffer.from(s.payload) : (s.payload ?? Buffer.alloc(0));
  const options = s.ts ? Buffer.alloc(12) : Buffer.alloc(0);
  if (s.ts) {
    // NOP NOP TS(10): how Linux pads the timestamps option.
    options.writeUInt8(1, 0);
    options.writeUInt8(1, 1);
    options.writeUInt8(8, 2);
    options.writeUInt8(10, 3);
    options.writeUInt32BE(s.ts[0], 4);
    options.writeUInt32BE(s.ts[1], 8);
  }
  const tcp = Buffer.alloc(20 + options.length);
  tcp.writeUInt16BE(s.sport, 0);
  tcp.writeUInt16BE(s.dport, 2);
  tcp.writeUInt32BE(s.seq ?? 1000, 4);
  tcp.writeUInt32BE(s.ack ?? 0, 8);
  tcp.writeUInt8(((20 + options.length) / 4) << 4, 12);
  tcp.writeUInt8([...s.flags].reduce((f, c) => f | (FLAG_BITS[c] ?? 0), 0), 13);
  tcp.writeUInt16BE(s.window ?? 64240, 14);
  options.copy(tcp, 20);
  const wirePayload = s.wireLength ?? payload.length;
  if (s.src.includes(':')) {
    const ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(tcp.length + wirePayload, 4);
    ip.writeUInt8(6, 6);
    ip.writeUInt8(64, 7);
    Buffer.from(ipaddr.parse(s.src).toByteArray()).copy(ip, 8);
    Buffer.from(ipaddr.parse(s.dst).toByteArray()).copy(ip, 24);
    return Buffer.concat([ip, tcp, payload]);
  }
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + tcp.length + wirePayload, 2);
  ip.writeUInt16BE(s.ipId ?? 0, 4);
  ip.writeUInt16BE(0x4000, 6);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(6, 9);
  Buffer.from(ipaddr.parse(s.src).toByteArray()).copy(ip, 12);
  Buffer.from(ipaddr.parse(s.dst).toByteArray()).copy(ip, 16);
  return Buffer.concat([ip, tcp, payload]);
}

/** An Ethernet frame, padded to the 60-byte minimum as a NIC would. */
export function ethernetFrame(s: Segment, srcMac: string, dstMac: string): Buffer {
  const ip = ipPacket(s);
  const eth = Buffer.alloc(14);
  macBytes(dstMac).copy(eth, 0);
  macBytes(srcMac).copy(eth, 6);
  eth.writeUInt16BE(s.src.includes(':') ? 0x86dd : 0x0800, 12);
  const frame = Buffer.concat([eth, ip]);
  return frame.length < 60 ? Buffer.concat([frame, Buffer.alloc(60 - frame.length)]) : frame;
}

/** A record at `ms` milliseconds after a fixed epoch second. */
export function recordAt(ms: number, data: Buffer, linktype: number = LINKTYPE.ETHERNET, origLen = data.length): PcapRecord {
  const ns = Math.round(ms * 1e6);
  return { sec: 1_700_000_000 + Math.floor(ns / 1e9), nsec: ns % 1e9, origLen, data, linktype };
}

export interface Side {
  iface: string;
  /** The firewall's MAC on this interface. */
  mac: string;
  /** The MAC of the neighbour it talks to on this side. */
  peerMac: string;
}

/**
 * A firewall's captures, built packet by packet. Every segment gets IPv4 ids and TCP timestamps
 * counting up per sender, as Linux gives them, unless the test sets its own.
 */
export class FirewallCapture {
  readonly records = new Map<string, PcapRecord[]>();
  private ms = 0;
  private readonly ids = new Map<string, number>();

  constructor(private readonly sides: Record<string, Side>) {
    for (const s of Object.values(sides)) this.records.set(s.iface, []);
  }

  private side(name: string): Side {
    const s = this.sides[name];
    if (!s) throw new Error(`no side ${name}`);
    return s;
  }

  /** Per sender and connection, the sequence number its next segment carries when the test does not give one. */
  private readonly seqs = new Map<string, number>();

  /** Fills in what Linux would: a per-sender IP id, a timestamp, and sequence numbers that advance with the data. */
  private complete(seg: Segment): Segment {
    const next = (this.ids.get(seg.src) ?? 100) + 1;
    this.ids.set(seg.src, next);
    const flow = `${seg.src}:${seg.sport}>${seg.dst}:${seg.dport}`;
    const seq = seg.seq ?? this.seqs.get(flow) ?? 1000;
    const length = seg.wireLength ?? (typeof seg.payload === 'string' ? Buffer.byteLength(seg.payload) : (seg.payload?.length ?? 0));
    this.seqs.set(flow, (seq + length + (seg.flags.includes('S') || seg.flags.includes('F') ? 1 : 0)) >>> 0);
    return { ipId: seg.src.includes(':') ? undefined : next, ts: [next * 7, 0], seq, ...seg } as Segment;
  }

  private put(side: Side, frame: Buffer, at: number) {
    this.records.get(side.iface)!.push(recordAt(at, frame));
  }

  /** Enters on `inSide`, leaves on `outSide` 20 µs later, rewritten by `nat` (same ids and timestamps). */
  forward(seg: Segment, inSide: string, outSide: string, nat: (s: Segment) => Segment = (s) => s): this {
    const full = this.complete(seg);
    const [i, o] = [this.side(inSide), this.side(outSide)];
    this.ms += 1;
    this.put(i, ethernetFrame(full, i.peerMac, i.mac), this.ms);
    this.put(o, ethernetFrame(nat(full), o.mac, o.peerMac), this.ms + 0.02);
    return this;
  }

  /** Enters on `side` and never leaves. */
  drop(seg: Segment, side: string): this {
    const s = this.side(side);
    this.ms += 1;
    this.put(s, ethernetFrame(this.complete(seg), s.peerMac, s.mac), this.ms);
    return this;
  }

  /** Sent by the firewall itself out of `side`. */
  send(seg: Segment, side: string): this {
    const s = this.side(side);
    this.ms += 1;
    this.put(s, ethernetFrame(this.complete(seg), s.mac, s.peerMac), this.ms);
    return this;
  }
}
