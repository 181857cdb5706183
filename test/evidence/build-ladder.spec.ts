// Ladders drawn from synthetic firewall captures (test/support/tcp-frames.ts), one scenario per
// test: what crossed, what died where, what NAT rewrote, how connections are named and folded.
// Firewall `fw` of topologies/routed.topo.yaml unless a test says otherwise:
//
//   client 192.168.10.10 --lan-- lan0 192.168.10.254 [fw] wan0 203.0.113.254 --wan-- server 203.0.113.10
//
import { test, expect } from '@playwright/test';
import { buildLadder, type LadderInput } from '../../harness/evidence/build-ladder.ts';
import { firewallSides } from '../../harness/evidence/firewall-sides.ts';
import type { Ladder } from '../../harness/evidence/ladder.ts';
import { TOPOLOGIES_DIR } from '../../harness/paths.ts';
import { loadTopology } from '../../harness/topology/load-topology.ts';
import { FirewallCapture, type Segment, type Side } from '../support/tcp-frames.ts';

const C = '192.168.10.10';
const S = '203.0.113.10';
const FW_LAN = '192.168.10.254';
const FW_WAN = '203.0.113.254';
const ROUTED: Record<string, Side> = {
  lan: { iface: 'lan0', mac: '02:00:00:00:01:fe', peerMac: '02:00:00:00:01:0a' },
  wan: { iface: 'wan0', mac: '02:00:00:00:02:fe', peerMac: '02:00:00:00:02:0a' },
};

function ladderOf(cap: FirewallCapture, extra: Partial<LadderInput> = {}): Ladder {
  return buildLadder({
    records: cap.records,
    firewall: 'fw',
    firewallAddresses: [FW_LAN, FW_WAN],
    clientAddresses: [C],
    serverAddresses: [S],
    controlPorts: [21],
    ...extra,
  });
}

/** One line per entry, the way a reader scans a ladder. */
const lines = (l: Ladder) => l.packets.map((p) => `${p.connection}: ${p.from} -> ${p.to} ${p.fate} ${p.label}`);

/** A TCP conversation between two endpoints: `a` is the opener. */
function conversation(a: [string, number], b: [string, number]) {
  const there = (flags: string, payload?: string | Buffer, more: Partial<Segment> = {}): Segment => ({ src: a[0], sport: a[1], dst: b[0], dport: b[1], flags, payload, ...more });
  const back = (flags: string, payload?: string | Buffer, more: Partial<Segment> = {}): Segment => ({ src: b[0], sport: b[1], dst: a[0], dport: a[1], flags, payload, ...more });
  return { there, back };
}

/** Client and server exchange a control session up to (and including) `mode`'s reply. */
function login(cap: FirewallCapture, control: ReturnType<typeof conversation>, up = 'lan', down = 'wan') {
  const { there, back } = control;
  cap.forward(there('S'), up, down).forward(back('SA'), down, up).forward(there('A'), up, down);
  cap.forward(back('PA', '220 pinhole vsftpd ready\r\n'), down, up).forward(there('A'), up, down);
  cap.forward(there('PA', 'USER anonymous\r\n'), up, down).forward(back('PA', '230 Login successful.\r\n'), down, up);
}

const SESSION_START = [
  'control: client -> server crossed SYN',
  'control: server -> client crossed SYN-ACK',
  'control: client -> server crossed ACK',
  'control: server -> client crossed 220 pinhole vsftpd ready',
  'control: client -> server crossed USER anonymous',
  'control: server -> client crossed 230 Login successful.',
];

test('a passing PASV transfer: every packet crossed once, data folded, pure ACKs left out', () => {
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([C, 40000], [S, 21]);
  login(cap, control);
  cap.forward(control.there('PA', 'PASV\r\n'), 'lan', 'wan').forward(control.back('PA', '227 Entering Passive Mode (203,0,113,10,195,80).\r\n'), 'wan', 'lan');
  const data = conversation([C, 40001], [S, 50000]);
  cap.forward(data.there('S'), 'lan', 'wan').forward(data.back('SA'), 'wan', 'lan').forward(data.there('A'), 'lan', 'wan');
  cap.forward(control.there('PA', 'RETR /pinhole-test.bin\r\n'), 'lan', 'wan').forward(control.back('PA', '150 Opening BINARY mode data connection.\r\n'), 'wan', 'lan');
  for (let i = 0; i < 3; i++) cap.forward(data.back('PA', Buffer.alloc(1448, i)), 'wan', 'lan').forward(data.there('A'), 'lan', 'wan');
  cap.forward(data.back('FA', Buffer.alloc(100)), 'wan', 'lan').forward(data.there('FA'), 'lan', 'wan');
  cap.forward(control.back('PA', '226 Transfer complete.\r\n'), 'wan', 'lan');

  const ladder = ladderOf(cap);
  expect([ladder.firewall, ladder.clientSide, ladder.serverSide]).toEqual(['fw', 'lan0', 'wan0']);
  expect(lines(ladder)).toEqual([
    ...SESSION_START,
    'control: client -> server crossed PASV',
    'control: server -> client crossed 227 Entering Passive Mode (203,0,113,10,195,80).',
    'data 1: client -> server crossed SYN',
    'data 1: server -> client crossed SYN-ACK',
    'data 1: client -> server crossed ACK',
    'control: client -> server crossed RETR /pinhole-test.bin',
    'control: server -> client crossed 150 Opening BINARY mode data connection.',
    'data 1: server -> client crossed data 4444 bytes',
    'data 1: server -> client crossed FIN',
    'data 1: client -> server crossed FIN',
    'control: server -> client crossed 226 Transfer complete.',
  ]);
  // 3 of 4 data segments folded into the first one's line, and 4 pure ACKs (one after 220, three data ACKs).
  expect(ladder.folded).toBe(7);
  expect(ladder.omitted).toBeUndefined();
  expect(ladder.packets.every((p) => p.rewritten === undefined)).toBe(true);
  expect(ladder.packets[0]).toMatchObject({ t: 0, src: `${C}:40000`, dst: `${S}:21` });
  // Times count from the first packet, on the side it entered: one packet per millisecond here.
  expect(ladder.packets[1]!.t).toBe(1);
});

test('PORT without a helper: the server\'s data SYN, and its retransmission, died at the firewall', () => {
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([C, 40000], [S, 21]);
  login(cap, control);
  cap.forward(control.there('PA', 'PORT 192,168,10,10,156,65\r\n'), 'lan', 'wan').forward(control.back('PA', '200 PORT command successful. Consider using PASV.\r\n'), 'wan', 'lan');
  cap.forward(control.there('PA', 'RETR /pinhole-test.bin\r\n'), 'lan', 'wan');
  const data = conversation([S, 20], [C, 40001]);
  cap.drop(data.there('S', undefined, { seq: 5000 }), 'wan').drop(data.there('S', undefined, { seq: 5000 }), 'wan');

  const ladder = ladderOf(cap);
  expect(lines(ladder).slice(-3)).toEqual([
    'control: client -> server crossed RETR /pinhole-test.bin',
    'data 1: server -> client died SYN',
    'data 1: server -> client died SYN',
  ]);
  expect(ladder.packets.at(-1)).toMatchObject({ src: `${S}:20`, dst: `${C}:40001` });
});

test('masquerade with the FTP helper: the PORT line rewritten, later packets still matched despite shifted sequence numbers', () => {
  // A client address shorter than the public one: the line grows by 4 bytes, and nf_nat_ftp
  // shifts every later sequence number of the client (and acknowledgement of the server) by 4.
  const client = '10.1.1.10';
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([client, 40000], [S, 21]);
  let shift = 0;
  const masq = (s: Segment): Segment => {
    const out = s.src === client ? { ...s, src: FW_WAN, seq: (s.seq ?? 1000) + shift } : { ...s, dst: client };
    if (typeof s.payload === 'string' && s.payload.startsWith('PORT')) {
      out.payload = 'PORT 203,0,113,254,156,65\r\n';
      shift = out.payload.length - s.payload.length;
    }
    return out;
  };
  const unmasq = (s: Segment): Segment => ({ ...s, dst: client, ack: (s.ack ?? 5000) - shift });
  cap.forward(control.there('S'), 'lan', 'wan', masq).forward(control.back('SA', undefined, { dst: FW_WAN }), 'wan', 'lan', unmasq);
  cap.forward(control.there('PA', 'PORT 10,1,1,10,156,65\r\n'), 'lan', 'wan', masq);
  cap.forward(control.back('PA', '200 PORT command successful.\r\n', { dst: FW_WAN }), 'wan', 'lan', unmasq);
  cap.forward(control.there('PA', 'RETR /pinhole-test.bin\r\n'), 'lan', 'wan', masq);
  // The helper's expectation lets the server's data connection in, to the client's own address.
  const data = conversation([S, 20], [FW_WAN, 40001]);
  cap.forward(data.there('S'), 'wan', 'lan', (s) => ({ ...s, dst: client }));

  const ladder = ladderOf(cap, { clientAddresses: [client] });
  expect(lines(ladder)).toEqual([
    'control: client -> server crossed SYN',
    'control: server -> client crossed SYN-ACK',
    'control: client -> server crossed PORT 10,1,1,10,156,65',
    'control: server -> client crossed 200 PORT command successful.',
    'control: client -> server crossed RETR /pinhole-test.bin',
    'data 1: server -> client crossed SYN',
  ]);
  expect(ladder.packets.map((p) => p.rewritten)).toEqual([
    `src ${client}:40000 -> ${FW_WAN}:40000`,
    `dst ${FW_WAN}:40000 -> ${client}:40000`,
    `PORT 10,1,1,10,156,65 -> PORT 203,0,113,254,156,65; src ${client}:40000 -> ${FW_WAN}:40000`,
    `dst ${FW_WAN}:40000 -> ${client}:40000`,
    `src ${client}:40000 -> ${FW_WAN}:40000`,
    `dst ${FW_WAN}:40001 -> ${client}:40001`,
  ]);
  // src and dst are as captured on the sender's side.
  expect(ladder.packets[5]).toMatchObject({ src: `${S}:20`, dst: `${FW_WAN}:40001` });
});

test('the firewall\'s own packets: an RST for a SYN to its own address, and a REJECT of a forwarded SYN', () => {
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([C, 40000], [S, 21]);
  login(cap, control);
  // The client dials a data port on the firewall itself (an announced address nobody forwards).
  const toFw = conversation([C, 40001], [FW_WAN, 50000]);
  cap.drop(toFw.there('S'), 'lan').send(toFw.back('RA'), 'lan');
  // `reject with tcp reset` answers a forwarded SYN in the name of the address it was aimed at.
  const rejected = conversation([C, 40002], [S, 50001]);
  cap.drop(rejected.there('S'), 'lan').send(rejected.back('RA'), 'lan');

  const ladder = ladderOf(cap);
  expect(lines(ladder).slice(-4)).toEqual([
    'data 1: client -> firewall to-firewall SYN',
    'data 1: firewall -> client from-firewall RST',
    'data 2: client -> server died SYN',
    'data 2: firewall -> client from-firewall RST',
  ]);
  expect(ladder.packets.at(-1)).toMatchObject({ src: `${S}:50001`, dst: `${C}:40002` });
});

test('a bounce: the server\'s SYN to a third host is connection `other`, toward `other`', () => {
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([C, 40000], [S, 21]);
  login(cap, control);
  cap.forward(control.there('PA', 'PORT 192,168,10,20,31,85\r\n'), 'lan', 'wan');
  const bounce = conversation([S, 20], ['192.168.10.20', 8021]);
  cap.forward(bounce.there('S'), 'wan', 'lan');
  expect(lines(ladderOf(cap)).slice(-2)).toEqual(['control: client -> server crossed PORT 192,168,10,20,31,85', 'other: server -> other crossed SYN']);
});

test('IPv6: no IP identification, the timestamps still pair the copies; endpoints bracketed', () => {
  const [c6, s6] = ['2001:db8:10::10', '2001:db8:20::10'];
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([c6, 40000], [s6, 21]);
  login(cap, control);
  const ladder = ladderOf(cap, { clientAddresses: [c6], serverAddresses: [s6], firewallAddresses: ['2001:db8:10::254', '2001:db8:20::254'] });
  expect(lines(ladder)).toEqual(SESSION_START);
  expect(ladder.packets[0]).toMatchObject({ src: '[2001:db8:10::10]:40000', dst: '[2001:db8:20::10]:21' });
});

test('double NAT: the client is seen as its home gateway\'s address, sides come from the topology', async () => {
  const spec = await loadTopology(`${TOPOLOGIES_DIR}/double-nat.topo.yaml`);
  const sides = firewallSides(spec, 'fw', 'client', 'server');
  expect(sides).toEqual({ client: 'wan0', server: 'lan0' });
  const [gw, published, server] = ['198.51.100.10', '198.51.100.254', '192.168.20.10'];
  const cap = new FirewallCapture({
    inet: { iface: 'wan0', mac: '02:00:00:00:03:fe', peerMac: '02:00:00:00:03:0a' },
    dmz: { iface: 'lan0', mac: '02:00:00:00:04:fe', peerMac: '02:00:00:00:04:0a' },
  });
  const dnat = (s: Segment): Segment => (s.dst === published ? { ...s, dst: server } : { ...s, src: published });
  const control = conversation([gw, 40000], [published, 21]);
  cap.forward(control.there('S'), 'inet', 'dmz', dnat).forward(control.back('SA', undefined, { src: server }), 'dmz', 'inet', dnat);
  const data = conversation([gw, 40001], [server, 50000]);
  cap.drop(data.there('S'), 'inet');

  const ladder = ladderOf(cap, { sides, clientAddresses: ['10.0.1.10'], serverAddresses: [server], firewallAddresses: [published, '192.168.20.254'] });
  expect([ladder.clientSide, ladder.serverSide]).toEqual(['wan0', 'lan0']);
  expect(lines(ladder)).toEqual(['control: client -> server crossed SYN', 'control: server -> client crossed SYN-ACK', 'data 1: client -> server died SYN']);
  expect(ladder.packets[0]!.rewritten).toBe(`dst ${published}:21 -> ${server}:21`);
});

test('firewallSides: the interface each end\'s traffic enters by, in every kind of topology', async () => {
  const sides = async (file: string) => firewallSides(await loadTopology(`${TOPOLOGIES_DIR}/${file}`), 'fw', 'client', 'server');
  expect(await sides('routed.topo.yaml')).toEqual({ client: 'lan0', server: 'wan0' });
  expect(await sides('dnat.topo.yaml')).toEqual({ client: 'wan0', server: 'lan0' });
  expect(await sides('double-nat-no-alg.topo.yaml')).toEqual({ client: 'wan0', server: 'lan0' });
  expect(() => firewallSides({ name: 't', segments: {}, nodes: {} } as never, 'fw', 'client', 'server')).toThrow('topology t has no node fw');
});

test('several sessions: control connections and data connections numbered in the order of their SYN', () => {
  const cap = new FirewallCapture(ROUTED);
  const one = conversation([C, 40000], [S, 21]);
  const two = conversation([C, 40010], [S, 21]);
  cap.forward(one.there('S'), 'lan', 'wan').forward(two.there('S'), 'lan', 'wan');
  const late = conversation([C, 40003], [S, 50003]);
  const early = conversation([C, 40004], [S, 50002]);
  cap.forward(early.there('S'), 'lan', 'wan').forward(late.there('S'), 'lan', 'wan');
  expect(lines(ladderOf(cap)).map((l) => l.split(':')[0])).toEqual(['control', 'control 2', 'data 1', 'data 2']);
  expect(ladderOf(cap).packets.map((p) => p.src)).toEqual([`${C}:40000`, `${C}:40010`, `${C}:40004`, `${C}:40003`]);
});

test('a long ladder keeps its beginning and its end and says how many entries it left out; long lines are shortened', () => {
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([C, 40000], [S, 21]);
  login(cap, control);
  for (let i = 0; i < 50; i++) cap.forward(control.there('PA', `NOOP ${i}\r\n`), 'lan', 'wan').forward(control.back('PA', '200 NOOP ok.\r\n'), 'wan', 'lan');
  cap.forward(control.back('PA', `550 ${'x'.repeat(200)}\r\n`), 'wan', 'lan');
  const ladder = ladderOf(cap, { maxEntries: 30 });
  expect(ladder.packets).toHaveLength(30);
  expect(ladder.omitted).toBe(6 + 100 + 1 - 30);
  expect(lines(ladder).slice(0, 6)).toEqual(SESSION_START);
  expect(ladder.packets.at(-2)!.label).toBe('200 NOOP ok.');
  expect(ladder.packets.at(-1)!.label).toBe(`550 ${'x'.repeat(75)}…`);
  expect(ladder.packets.at(-1)!.label).toHaveLength(80);
});

test('a segment with several FTP lines gives one entry per line; nothing captured gives an empty ladder', () => {
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([C, 40000], [S, 21]);
  cap.forward(control.there('S'), 'lan', 'wan');
  cap.forward(control.back('PA', '211-Features:\r\n EPRT\r\n EPSV\r\n211 End\r\n'), 'wan', 'lan');
  expect(lines(ladderOf(cap)).slice(1)).toEqual(['211-Features:', 'EPRT', 'EPSV', '211 End'].map((l) => `control: server -> client crossed ${l}`));
  const empty = ladderOf(new FirewallCapture(ROUTED), { sides: { client: 'lan0', server: 'wan0' } });
  expect(empty).toEqual({ firewall: 'fw', clientSide: 'lan0', serverSide: 'wan0', packets: [], folded: 0 });
});

test('the end of an earlier cell\'s session (no SYN captured) stays off the ladder, and time starts at this cell\'s first packet', () => {
  const cap = new FirewallCapture(ROUTED);
  // The probe reports once it sent QUIT: the server's 221 and FIN can cross after the next cell began.
  const earlier = conversation([C, 39999], [S, 21]);
  cap.forward(earlier.back('PA', '221 Goodbye.\r\n'), 'wan', 'lan').drop(earlier.back('FA'), 'wan');
  const control = conversation([C, 40000], [S, 21]);
  login(cap, control);
  const ladder = ladderOf(cap);
  expect(lines(ladder)).toEqual(SESSION_START);
  expect(ladder.packets[0]).toMatchObject({ t: 0, src: `${C}:40000` });
});

test('a data segment sent again (a retransmission on a loaded machine) adds no bytes to the run it is folded into', () => {
  const cap = new FirewallCapture(ROUTED);
  const control = conversation([C, 40000], [S, 21]);
  login(cap, control);
  const data = conversation([C, 40001], [S, 50000]);
  cap.forward(data.there('S'), 'lan', 'wan').forward(data.back('SA', undefined, { seq: 5000 }), 'wan', 'lan').forward(data.there('A'), 'lan', 'wan');
  cap.forward(data.back('PA', Buffer.alloc(1448), { seq: 5001 }), 'wan', 'lan');
  cap.forward(data.back('PA', Buffer.alloc(1448), { seq: 5001 }), 'wan', 'lan');
  cap.forward(data.back('PA', Buffer.alloc(1448), { seq: 6449 }), 'wan', 'lan');
  expect(lines(ladderOf(cap)).filter((l) => l.startsWith('data 1: server'))).toEqual(['data 1: server -> client crossed SYN-ACK', 'data 1: server -> client crossed data 2896 bytes']);
});
