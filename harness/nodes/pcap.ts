/**
 * Classic pcap files, the format `tcpdump -w` writes: reading (whole files, or a stream split
 * into records as it arrives), writing, and decoding the TCP segments in the records.
 *
 * Hand-written on purpose: npm's pcap packages are bindings to the native libpcap (a compiler and
 * its headers on every host and in every node image, to read what tcpdump already decoded) or
 * unmaintained pure-JS parsers. The format is a 24-byte file header and a 16-byte header per
 * record (draft-ietf-opsawg-pcap), and the harness needs only Ethernet or Linux cooked framing,
 * IPv4/IPv6 and TCP.
 *
 * Over 300 lines on purpose: one format, whose reader, stream splitter, writer and TCP decoder
 * share its record layout and constants; split, each part would re-declare them.
 */
import ipaddr from 'ipaddr.js';
import type { Family } from '../model.ts';

/** Link-layer header types (tcpdump.org/linktypes.html) this reader decodes. */
export const LINKTYPE = { ETHERNET: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

/** TCP header flag bits (RFC 9293). */
export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
/** libpcap's own ceiling for a record (MAXIMUM_SNAPLEN): a larger length means the stream is out of step. */
const MAX_RECORD_BYTES = 262_144;

export interface PcapHeader {
  linktype: number;
  snaplen: number;
  /** Timestamps in nanoseconds (magic a1b23c4d) rather than microseconds. */
  nanosecond: boolean;
  littleEndian: boolean;
}

export interface PcapRecord {
  /** Capture time since the epoch; from a microsecond file `nsec` is a multiple of 1000. */
  sec: number;
  nsec: number;
  /** The packet's length on the wire; `data` holds at most the snap length of it. */
  origLen: number;
  /** The frame as captured, link-layer header first. */
  data: Buffer;
  /** The link type of the file the record came from, so a record decodes on its own. */
  linktype: number;
}

/** Milliseconds since the epoch (sub-millisecond precision kept as the fraction). */
export const recordTimeMs = (r: PcapRecord): number => r.sec * 1000 + r.nsec / 1e6;

function parseHeader(buf: Buffer): PcapHeader {
  const le = buf.readUInt32LE(0);
  const be = buf.readUInt32BE(0);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (le === MAGIC_US || le === MAGIC_NS) [littleEndian, nanosecond] = [true, le === MAGIC_NS];
  else if (be === MAGIC_US || be === MAGIC_NS) [littleEndian, nanosecond] = [false, be === MAGIC_NS];
  else throw new Error(`pcap: bad magic ${buf.subarray(0, 4).toString('hex')}: not a classic pcap stream (pcapng is not read here)`);
  const u32 = (o: number) => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // The top bits of the link type field carry FCS information (draft-ietf-opsawg-pcap 4): the type is the low 28.
  return { linktype: u32(20) & 0x0fffffff, snaplen: u32(16), nanosecond, littleEndian };
}

/**
 * Splits a pcap byte stream into records as chunks arrive: tcpdump's standard output comes in
 * pipe-sized pieces that cut headers and records anywhere. Feed every chunk to `push`; it returns
 * the records completed by it. A record not yet complete stays buffered (`pendingBytes`): at the
 * end of a stream that is a truncated last record, as tcpdump killed mid-write leaves.
 */
export class PcapSplitter {
  header: PcapHeader | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private count = 0;

  push(chunk: Buffer): PcapRecord[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let off = 0;
    if (!this.header) {
      if (this.buf.length < FILE_HEADER_BYTES) return [];
      this.header = parseHeader(this.buf);
      off = FILE_HEADER_BYTES;
    }
    const h = this.header;
    const u32 = (o: number) => (h.littleEndian ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o));
    const out: PcapRecord[] = [];
    while (this.buf.length - off >= RECORD_HEADER_BYTES) {
      const inclLen = u32(off + 8);
      if (inclLen > Math.max(h.snaplen, MAX_RECORD_BYTES)) {
        throw new Error(`pcap: record ${this.count + 1} claims ${inclLen} bytes, more than the snap length ${h.snaplen}: the stream is corrupt or out of step`);
      }
      if (this.buf.length - off < RECORD_HEADER_BYTES + inclLen) break;
      const sub = u32(off + 4);
      const start = off + RECORD_HEADER_BYTES;
      out.push({
        sec: u32(off),
        nsec: h.nanosecond ? sub : sub * 1000,
        origLen: u32(off + 12),
        // A copy: a view would pin the whole chunk in memory for as long as the record lives.
        data: Buffer.from(this.buf.subarray(start, start + inclLen)),
        linktype: h.linktype,
      });
      this.count++;
      off = start + inclLen;
    }
    this.buf = Buffer.from(this.buf.subarray(off));
    return out;
  }

  /** Bytes received that do not (yet) make a whole record. */
  get pendingBytes(): number {
    return this.buf.length;
  }
}

/**
 * Reads a whole pcap file. A truncated last record (a capture cut off mid-write) is left out and
 * its size reported in `truncatedBytes`, rather than failing the whole file.
 */
export function readPcap(file: Buffer): { header: PcapHeader; records: PcapRecord[]; truncatedBytes: number } {
  if (file.length < FILE_HEADER_BYTES) throw new Error(`pcap: ${file.length} bytes is shorter than the file header`);
  const splitter = new PcapSplitter();
  const records = splitter.push(file);
  return { header: splitter.header!, records, truncatedBytes: splitter.pendingBytes };
}

/**
 * A complete pcap file of `records`, little-endian; nanosecond timestamps unless asked otherwise
 * (Wireshark and tcpdump read both). Records must be of `linktype`: one file has one link type.
 */
export function writePcap(records: readonly PcapRecord[], linktype: number, opts: { snaplen?: number; nanosecond?: boolean } = {}): Buffer {
  const nanosecond = opts.nanosecond ?? true;
  const snaplen = opts.snaplen ?? Math.max(MAX_RECORD_BYTES, ...records.map((r) => r.data.length));
  const size = FILE_HEADER_BYTES + records.reduce((n, r) => n + RECORD_HEADER_BYTES + r.data.length, 0);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(nanosecond ? MAGIC_NS : MAGIC_US, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(snaplen, 16);
  out.writeUInt32LE(linktype, 20);
  let off = FILE_HEADER_BYTES;
  for (const r of records) {
    if (r.linktype !== linktype) throw new Error(`writePcap: a record of link type ${r.linktype} in a file of link type ${linktype}`);
    out.writeUInt32LE(r.sec, off);
    out.writeUInt32LE(nanosecond ? r.nsec : Math.floor(r.nsec / 1000), off + 4);
    out.writeUInt32LE(r.data.length, off + 8);
    out.writeUInt32LE(r.origLen, off + 12);
    r.data.copy(out, off + RECORD_HEADER_BYTES);
    off += RECORD_HEADER_BYTES + r.data.length;
  }
  return out;
}

/** One TCP segment as decoded from a record. */
export interface TcpSegment {
  family: Family;
  /** Addresses as Node.js and the kernel print them (IPv6 compressed, RFC 5952). */
  src: string;
  dst: string;
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  /** IPv4 identification; IPv6 has none outside fragments. */
  ipId?: number;
  /** TCP timestamps option (RFC 7323): NAT leaves it alone, so it helps recognise one packet on both sides. */
  tsVal?: number;
  tsEcr?: number;
  /** Payload bytes as captured (cut at the snap length). */
  payload: Buffer;
  /** The payload's length on the wire, from the IP and TCP headers. */
  payloadLength: number;
  /** Ethernet addresses, when the link type has them. */
  srcMac?: string;
  dstMac?: string;
  /** Linux cooked captures say whether the capturing host sent the packet (PACKET_OUTGOING). */
  outgoing?: boolean;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8];
const PACKET_OUTGOING = 4;
const IPPROTO_TCP = 6;
/** IPv6 extension headers that may precede TCP: hop-by-hop, routing, destination options. */
const IPV6_SKIPPABLE = new Set([0, 43, 60]);
const IPV6_FRAGMENT = 44;

const mac = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** The network-layer part of a frame: its EtherType, where it starts, and what the link layer said. */
function linkLayer(r: PcapRecord): { ethertype: number; off: number; srcMac?: string; dstMac?: string; outgoing?: boolean } | undefined {
  const d = r.data;
  switch (r.linktype) {
    case LINKTYPE.ETHERNET: {
      if (d.length < 14) return undefined;
      let off = 12;
      let ethertype = d.readUInt16BE(off);
      while (ETHERTYPE_VLAN.includes(ethertype) && d.length >= off + 6) {
        off += 4;
        ethertype = d.readUInt16BE(off);
      }
      return { ethertype, off: off + 2, dstMac: mac(d.subarray(0, 6)), srcMac: mac(d.subarray(6, 12)) };
    }
    case LINKTYPE.LINUX_SLL:
      if (d.length < 16) return undefined;
      return { ethertype: d.readUInt16BE(14), off: 16, outgoing: d.readUInt16BE(0) === PACKET_OUTGOING };
    case LINKTYPE.LINUX_SLL2:
      if (d.length < 20) return undefined;
      return { ethertype: d.readUInt16BE(0), off: 20, outgoing: d.readUInt8(10) === PACKET_OUTGOING };
    case LINKTYPE.RAW: {
      if (d.length < 1) return undefined;
      const version = d.readUInt8(0) >> 4;
      return { ethertype: version === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, off: 0 };
    }
    default:
      return undefined;
  }
}

/**
 * The TCP segment in a record, or undefined when it holds none (another protocol, a non-first
 * fragment, a header cut off by the snap length, an unknown link type).
 */
export function decodeTcp(r: PcapRecord): TcpSegment | undefined {
  const link = linkLayer(r);
  if (!link) return undefined;
  const d = r.data;
  let off = link.off;
  let family: Family;
  let src: string;
  let dst: string;
  let ipId: number | undefined;
  /** Bytes of TCP header plus payload on the wire. */
  let tcpLength: number;
  if (link.ethertype === ETHERTYPE_IPV4) {
    if (d.length < off + 20 || d.readUInt8(off) >> 4 !== 4) return undefined;
    const ihl = (d.readUInt8(off) & 0x0f) * 4;
    const totalLength = d.readUInt16BE(off + 2);
    const fragOffset = d.readUInt16BE(off + 6) & 0x1fff;
    if (d.readUInt8(off + 9) !== IPPROTO_TCP || fragOffset !== 0 || d.length < off + ihl) return undefined;
    family = 'ipv4';
    ipId = d.readUInt16BE(off + 4);
    src = [...d.subarray(off + 12, off + 16)].join('.');
    dst = [...d.subarray(off + 16, off + 20)].join('.');
    // A GSO super-packet larger than 64 KiB (BIG TCP) says 0 here: the frame length is all there is.
    tcpLength = (totalLength || r.origLen - off) - ihl;
    off += ihl;
  } else if (link.ethertype === ETHERTYPE_IPV6) {
    if (d.length < off + 40 || d.readUInt8(off) >> 4 !== 6) return undefined;
    family = 'ipv6';
    src = ipaddr.fromByteArray([...d.subarray(off + 8, off + 24)]).toString();
    dst = ipaddr.fromByteArray([...d.subarray(off + 24, off + 40)]).toString();
    let next = d.readUInt8(off + 6);
    tcpLength = d.readUInt16BE(off + 4) || r.origLen - off - 40;
    off += 40;
    while (next !== IPPROTO_TCP) {
      if (d.length < off + 8) return undefined;
      if (next === IPV6_FRAGMENT) {
        if ((d.readUInt16BE(off + 2) & 0xfff8) !== 0) return undefined;
        next = d.readUInt8(off);
        off += 8;
        tcpLength -= 8;
      } else if (IPV6_SKIPPABLE.has(next)) {
        const len = (d.readUInt8(off + 1) + 1) * 8;
        next = d.readUInt8(off);
        off += len;
        tcpLength -= len;
      } else {
        return undefined;
      }
    }
  } else {
    return undefined;
  }
  if (d.length < off + 20) return undefined;
  const dataOffset = (d.readUInt8(off + 12) >> 4) * 4;
  if (dataOffset < 20) return undefined;
  const seg: TcpSegment = {
    family,
    src,
    dst,
    sport: d.readUInt16BE(off),
    dport: d.readUInt16BE(off + 2),
    seq: d.readUInt32BE(off + 4),
    ack: d.readUInt32BE(off + 8),
    flags: d.readUInt8(off + 13),
    window: d.readUInt16BE(off + 14),
    payload: d.subarray(Math.min(d.length, off + dataOffset), Math.min(d.length, off + tcpLength)),
    payloadLength: Math.max(0, tcpLength - dataOffset),
  };
  if (ipId !== undefined) seg.ipId = ipId;
  const ts = timestampsOption(d.subarray(off + 20, Math.min(d.length, off + dataOffset)));
  if (ts) [seg.tsVal, seg.tsEcr] = ts;
  if (link.srcMac) [seg.srcMac, seg.dstMac] = [link.srcMac, link.dstMac!];
  if (link.outgoing !== undefined) seg.outgoing = link.outgoing;
  return seg;
}

/** TSval and TSecr of the timestamps option (kind 8), if present. */
function timestampsOption(opts: Buffer): [number, number] | undefined {
  let i = 0;
  while (i < opts.length) {
    const kind = opts.readUInt8(i);
    if (kind === 0) return undefined;
    if (kind === 1) {
      i++;
      continue;
    }
    if (i + 1 >= opts.length) return undefined;
    const len = opts.readUInt8(i + 1);
    if (len < 2 || i + len > opts.length) return undefined;
    if (kind === 8 && len === 10) return [opts.readUInt32BE(i + 2), opts.readUInt32BE(i + 6)];
    i += len;
  }
  return undefined;
}
