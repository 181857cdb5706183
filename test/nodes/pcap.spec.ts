// The pcap reader and writer (classic libpcap format): both byte orders, micro- and nanosecond
// timestamps, a stream split at every possible place, a truncated last record, and TCP decoding
// of Ethernet, VLAN, Linux cooked (SLL2) and IPv6 frames.
import { test, expect } from '@playwright/test';
import { decodeTcp, LINKTYPE, PcapSplitter, readPcap, TCP_FLAG, writePcap, type PcapRecord } from '../../harness/nodes/pcap.ts';
import { ethernetFrame, ipPacket, recordAt } from '../support/tcp-frames.ts';

const CLIENT_MAC = '02:00:00:00:01:0a';
const FW_MAC = '02:00:00:00:01:fe';

const syn = ethernetFrame({ src: '192.168.10.10', dst: '203.0.113.10', sport: 40000, dport: 21, flags: 'S', seq: 12345, ipId: 777, ts: [111, 0] }, CLIENT_MAC, FW_MAC);
const port = ethernetFrame(
  { src: '192.168.10.10', dst: '203.0.113.10', sport: 40000, dport: 21, flags: 'PA', seq: 12346, ack: 999, ipId: 778, payload: 'PORT 192,168,10,10,156,65\r\n' },
  CLIENT_MAC,
  FW_MAC,
);
const records: PcapRecord[] = [recordAt(1.5, syn), recordAt(2.000123, port), recordAt(3, syn)];

/** The same file written big-endian, by hand (writePcap writes little-endian only). */
function bigEndianPcap(rs: readonly PcapRecord[], linktype: number): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32BE(0xa1b23c4d, 0);
  head.writeUInt16BE(2, 4);
  head.writeUInt16BE(4, 6);
  head.writeUInt32BE(65535, 16);
  head.writeUInt32BE(linktype, 20);
  return Buffer.concat([
    head,
    ...rs.flatMap((r) => {
      const h = Buffer.alloc(16);
      h.writeUInt32BE(r.sec, 0);
      h.writeUInt32BE(r.nsec, 4);
      h.writeUInt32BE(r.data.length, 8);
      h.writeUInt32BE(r.origLen, 12);
      return [h, r.data];
    }),
  ]);
}

test('round trip: records written and read back are equal, nanosecond and microsecond files', () => {
  const ns = readPcap(writePcap(records, LINKTYPE.ETHERNET));
  expect(ns.header).toEqual({ linktype: LINKTYPE.ETHERNET, snaplen: 262144, nanosecond: true, littleEndian: true });
  expect(ns.records).toEqual(records);
  expect(ns.truncatedBytes).toBe(0);

  const us = readPcap(writePcap(records, LINKTYPE.ETHERNET, { nanosecond: false, snaplen: 512 }));
  expect(us.header).toEqual({ linktype: LINKTYPE.ETHERNET, snaplen: 512, nanosecond: false, littleEndian: true });
  // Microseconds keep 2.000123 ms exactly; the nanosecond part below a microsecond is gone.
  expect(us.records.map((r) => r.nsec)).toEqual(records.map((r) => Math.floor(r.nsec / 1000) * 1000));
  expect(us.records.map((r) => r.data)).toEqual(records.map((r) => r.data));
});

test('a big-endian file reads the same as a little-endian one', () => {
  const be = readPcap(bigEndianPcap(records, LINKTYPE.ETHERNET));
  expect(be.header.littleEndian).toBe(false);
  expect(be.header.nanosecond).toBe(true);
  expect(be.records).toEqual(records);
});

test('a stream cut into chunks anywhere gives the same records, each as soon as it is whole', () => {
  const file = writePcap(records, LINKTYPE.ETHERNET);
  for (const size of [1, 7, 16, 23, 24, 25, 100, file.length]) {
    const splitter = new PcapSplitter();
    const got: PcapRecord[] = [];
    for (let i = 0; i < file.length; i += size) got.push(...splitter.push(file.subarray(i, i + size)));
    expect(got, `chunks of ${size}`).toEqual(records);
    expect(splitter.pendingBytes).toBe(0);
  }
  // The first record is returned by the chunk that completes it, before the rest arrives.
  const splitter = new PcapSplitter();
  const firstEnd = 24 + 16 + syn.length;
  expect(splitter.push(file.subarray(0, firstEnd - 1))).toEqual([]);
  expect(splitter.push(file.subarray(firstEnd - 1, firstEnd))).toEqual([records[0]]);
});

test('a truncated last record is left out and its size reported; a record longer than any snap length is an error', () => {
  const file = writePcap(records, LINKTYPE.ETHERNET);
  const cut = readPcap(file.subarray(0, file.length - 5));
  expect(cut.records).toEqual(records.slice(0, 2));
  expect(cut.truncatedBytes).toBe(16 + syn.length - 5);

  const corrupt = Buffer.from(file);
  corrupt.writeUInt32LE(10_000_000, 24 + 8);
  expect(() => readPcap(corrupt)).toThrow(/record 1 claims 10000000 bytes.*corrupt or out of step/);
  expect(() => readPcap(Buffer.from('not a pcap file at all, no'))).toThrow(/bad magic 6e6f7420/);
  expect(() => writePcap([{ ...records[0]!, linktype: LINKTYPE.LINUX_SLL2 }], LINKTYPE.ETHERNET)).toThrow(/link type 276 in a file of link type 1/);
});

test('Ethernet IPv4 TCP: addresses, ports, flags, numbers, timestamps, and no Ethernet padding in the payload', () => {
  expect(syn.length).toBe(66);
  const s = decodeTcp(recordAt(0, syn))!;
  expect(s).toMatchObject({ family: 'ipv4', src: '192.168.10.10', dst: '203.0.113.10', sport: 40000, dport: 21, seq: 12345, ack: 0, ipId: 777, tsVal: 111, tsEcr: 0 });
  expect(s.flags).toBe(TCP_FLAG.SYN);
  expect([s.srcMac, s.dstMac]).toEqual([CLIENT_MAC, FW_MAC]);
  expect(s.payloadLength).toBe(0);

  // A pure ACK is 54 bytes, padded to 60 on the wire: the padding is not payload.
  const ack = ethernetFrame({ src: '203.0.113.10', dst: '192.168.10.10', sport: 21, dport: 40000, flags: 'A' }, FW_MAC, CLIENT_MAC);
  expect(ack.length).toBe(60);
  expect(decodeTcp(recordAt(0, ack))).toMatchObject({ payloadLength: 0, payload: Buffer.alloc(0) });

  const p = decodeTcp(recordAt(0, port))!;
  expect(p.payload.toString()).toBe('PORT 192,168,10,10,156,65\r\n');
  expect(p.flags).toBe(TCP_FLAG.PSH | TCP_FLAG.ACK);
});

test('a payload cut by the snap length keeps its length on the wire', () => {
  const frame = ethernetFrame({ src: '203.0.113.10', dst: '192.168.10.10', sport: 50000, dport: 40001, flags: 'A', payload: Buffer.alloc(1448, 0xab) }, FW_MAC, CLIENT_MAC);
  const s = decodeTcp(recordAt(0, frame.subarray(0, 512), LINKTYPE.ETHERNET, frame.length))!;
  expect(s.payload.length).toBe(512 - 14 - 20 - 20);
  expect(s.payloadLength).toBe(1448);
  // A header cut off is no segment at all.
  expect(decodeTcp(recordAt(0, frame.subarray(0, 40)))).toBeUndefined();
});

test('IPv6 addresses come out compressed (RFC 5952), as the kernel prints them', () => {
  const frame = ethernetFrame({ src: '2001:db8:10:0:0:0:0:10', dst: '2001:0db8:0020::0010', sport: 40000, dport: 21, flags: 'S', ts: [5, 0] }, CLIENT_MAC, FW_MAC);
  const s = decodeTcp(recordAt(0, frame))!;
  expect(s).toMatchObject({ family: 'ipv6', src: '2001:db8:10::10', dst: '2001:db8:20::10', sport: 40000, dport: 21, tsVal: 5 });
  expect(s.ipId).toBeUndefined();
});

test('VLAN-tagged Ethernet, Linux cooked v2 (with its direction) and raw IP frames decode too', () => {
  const seg = { src: '192.168.10.10', dst: '203.0.113.10', sport: 40000, dport: 21, flags: 'S', ipId: 9 };
  const untagged = ethernetFrame(seg, CLIENT_MAC, FW_MAC);
  const tagged = Buffer.concat([untagged.subarray(0, 12), Buffer.from([0x81, 0x00, 0x00, 0x0a]), untagged.subarray(12)]);
  expect(decodeTcp(recordAt(0, tagged))).toMatchObject({ src: '192.168.10.10', ipId: 9 });

  const sll2 = (packetType: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(0x0800, 0);
    h.writeUInt32BE(3, 4);
    h.writeUInt16BE(1, 8);
    h.writeUInt8(packetType, 10);
    h.writeUInt8(6, 11);
    return Buffer.concat([h, ipPacket(seg)]);
  };
  expect(decodeTcp(recordAt(0, sll2(4), LINKTYPE.LINUX_SLL2))).toMatchObject({ dport: 21, outgoing: true });
  expect(decodeTcp(recordAt(0, sll2(0), LINKTYPE.LINUX_SLL2))).toMatchObject({ dport: 21, outgoing: false });
  expect(decodeTcp(recordAt(0, ipPacket(seg), LINKTYPE.RAW))).toMatchObject({ dport: 21, ipId: 9 });
  // Not TCP, or a link type this reader does not know: nothing.
  const udp = Buffer.from(untagged);
  udp.writeUInt8(17, 14 + 9);
  expect(decodeTcp(recordAt(0, udp))).toBeUndefined();
  expect(decodeTcp(recordAt(0, untagged, 147))).toBeUndefined();
});
