/**
 * Draws one cell's ladder (ladder.ts) from the firewall's own captures, one per interface.
 *
 * A forwarded packet is captured twice: entering on one interface, leaving on another, maybe
 * rewritten by NAT in between. The two copies are recognised as one packet by what NAT leaves
 * alone: TCP flags, window, the IPv4 identification and the TCP timestamps option (Linux gives
 * each connection a random timestamp offset, so these are close to unique), under two
 * constraints: the copy that left comes after the one that entered, and a connection on one side
 * maps to one connection on the other (the conntrack entry). Addresses, ports, sequence numbers
 * (nf_nat_ftp shifts them once a PORT or 227 line changed length) and payload length are not
 * compared: NAT may change each of them.
 *
 * Over 300 lines on purpose: the matching of copies across interfaces is one algorithm whose
 * steps share their indexes; it is unit-tested as a whole on recorded captures.
 *
 * Which way a copy went through its interface: Linux cooked captures say so; on Ethernet, the
 * firewall's own MAC on that interface is learnt from the matched pairs (an entering frame is
 * addressed to it, a leaving frame comes from it) and then read on every frame.
 *
 * Fates: a copy that entered with no partner died, unless it was addressed to the firewall and
 * the firewall answered in that connection (to-firewall). A copy that left without having entered
 * was sent by the firewall (from-firewall), whatever its source address: `reject with tcp reset`
 * answers in the name of the address the SYN was aimed at. Actors are judged by address: the
 * firewall's, the client's and the server's, and the control connection's peers as captured
 * (behind a home gateway the client shows as the gateway); any other address is `other`.
 */
import type { Ladder, LadderActor, LadderPacket } from './ladder.ts';
import { decodeTcp, recordTimeMs, TCP_FLAG, type PcapRecord, type TcpSegment } from '../nodes/pcap.ts';
import { endpoint } from '../topology/dual-stack.ts';

export interface LadderInput {
  /** One cell's records by firewall interface (PacketCapture.records(), or readPcap() of saved files). */
  records: ReadonlyMap<string, readonly PcapRecord[]>;
  /** The firewall node's name. */
  firewall: string;
  /** Every address of the firewall node: what it sends itself, or receives as a destination. */
  firewallAddresses: readonly string[];
  clientAddresses: readonly string[];
  serverAddresses: readonly string[];
  /** The FTP control port(s): the server's, and the published one when a port forward changes it. */
  controlPorts: readonly number[];
  /**
   * The interfaces toward the client and toward the server (firewallSides() reads them from the
   * topology). Without them, the client side is where the control connection's SYN entered, the
   * server side where it left.
   */
  sides?: { client: string; server: string };
  /** At most this many entries; the middle is left out (`omitted`). Default 60. */
  maxEntries?: number;
}

/** Copies further apart than this are never one packet (forwarding takes microseconds). */
const MATCH_WINDOW_MS = 1000;
/** Entries kept from the end when a ladder is cut: how a failed cell ended matters most. */
const TAIL_ENTRIES = 15;
const MAX_LABEL = 80;

type Direction = 'in' | 'out';

/** One captured copy of a packet. */
interface Copy {
  iface: string;
  /** Milliseconds since the epoch. */
  at: number;
  seg: TcpSegment;
  dir?: Direction;
  /** The other side's copy of the same packet. */
  peer?: Copy;
}

const flowKey = (c: Copy) => `${c.iface}|${endpoint(c.seg.src, c.seg.sport)}>${endpoint(c.seg.dst, c.seg.dport)}`;
const reverseKey = (c: Copy) => `${c.iface}|${endpoint(c.seg.dst, c.seg.dport)}>${endpoint(c.seg.src, c.seg.sport)}`;
/** A connection as one interface saw it (both directions). */
const connKey = (c: Copy) => [flowKey(c), reverseKey(c)].sort()[0]!;
/** What NAT leaves unchanged in a packet. */
const fingerprint = (s: TcpSegment) => `${s.family}|${s.flags}|${s.ipId ?? ''}|${s.window}|${s.tsVal ?? ''}|${s.tsEcr ?? ''}`;
const has = (s: TcpSegment, flag: number) => (s.flags & flag) !== 0;
const isSyn = (s: TcpSegment) => has(s, TCP_FLAG.SYN) && !has(s, TCP_FLAG.ACK);

export function buildLadder(input: LadderInput): Ladder {
  const copies = decodeAll(input.records);
  const fwAddresses = new Set(input.firewallAddresses);

  // Match once without knowing directions, learn each interface's firewall MAC from the pairs,
  // then match again with directions as a constraint (an entering copy never pairs with one that entered).
  matchCopies(copies, () => true);
  assignDirections(copies, fwAddresses);
  for (const c of copies) delete c.peer;
  matchCopies(copies, (a, b) => a.dir !== 'out' && b.dir !== 'in');

  const sides = decideSides(input, copies);
  const knownClient = new Set(input.clientAddresses);
  const knownServer = new Set(input.serverAddresses);
  // Behind NAT (a home gateway, a port forward) the firewall sees the client or the server under
  // another address: the control connection's peers as captured are theirs.
  for (const c of copies) {
    if (c.dir === 'in' && isSyn(c.seg) && input.controlPorts.includes(c.seg.dport)) {
      (c.iface === sides.server ? knownServer : knownClient).add(c.seg.src);
      if (c.peer) (c.iface === sides.server ? knownClient : knownServer).add(c.peer.seg.dst);
    }
  }
  const actorOf = (address: string): LadderActor =>
    fwAddresses.has(address) ? 'firewall' : knownClient.has(address) ? 'client' : knownServer.has(address) ? 'server' : 'other';

  const names = nameConnections(copies, input.controlPorts, actorOf);
  const events = copies.filter((c) => (c.dir !== 'out' || !c.peer) && names.has(connKey(c)));
  const answered = new Set(events.filter((c) => c.dir === 'out' && !c.peer).map((c) => connKey(c)));
  const t0 = events[0]?.at ?? 0;

  const drawer = new LadderDrawer();
  for (const c of events) {
    const s = c.seg;
    let fate: LadderPacket['fate'];
    let from = actorOf(s.src);
    let to = actorOf(c.peer ? c.peer.seg.dst : s.dst);
    if (c.peer) fate = 'crossed';
    else if (c.dir === 'out') [fate, from] = ['from-firewall', 'firewall'];
    else if (fwAddresses.has(s.dst) && answered.has(connKey(c))) [fate, to] = ['to-firewall', 'firewall'];
    else fate = 'died';
    const conn = names.get(connKey(c))!;
    const entry = {
      t: Math.round((c.at - t0) * 1000) / 1000,
      connection: conn.name,
      from,
      to,
      src: endpoint(s.src, s.sport),
      dst: endpoint(s.dst, s.dport),
      fate,
    };
    drawer.add(c, entry, conn);
  }
  const packets = drawer.entries;
  const max = input.maxEntries ?? 60;
  const ladder: Ladder = { firewall: input.firewall, clientSide: sides.client, serverSide: sides.server, packets, folded: drawer.folded };
  if (packets.length > max) {
    const tail = Math.min(TAIL_ENTRIES, Math.floor(max / 3));
    ladder.omitted = packets.length - max;
    ladder.packets = [...packets.slice(0, max - tail), ...packets.slice(packets.length - tail)];
  }
  return ladder;
}

function decodeAll(records: ReadonlyMap<string, readonly PcapRecord[]>): Copy[] {
  const copies: Copy[] = [];
  for (const [iface, rs] of records) {
    for (const r of rs) {
      const seg = decodeTcp(r);
      if (seg) copies.push({ iface, at: recordTimeMs(r), seg });
    }
  }
  // Stable: equal times keep each interface's capture order.
  return copies.sort((a, b) => a.at - b.at);
}

/**
 * Pairs each copy with the later copy of the same packet on another interface: the earliest
 * unpaired one with the same fingerprint, within the window, consistent with the connections
 * already paired. Greedy in time order, which keeps each direction's packets in order.
 */
function matchCopies(copies: Copy[], allowed: (entered: Copy, left: Copy) => boolean): void {
  const byPrint = new Map<string, Copy[]>();
  for (const c of copies) {
    const k = fingerprint(c.seg);
    const list = byPrint.get(k);
    if (list) list.push(c);
    else byPrint.set(k, [c]);
  }
  const flows = new Map<string, string>();
  const paired = new Set<Copy>();
  for (const a of copies) {
    if (paired.has(a)) continue;
    for (const b of byPrint.get(fingerprint(a.seg))!) {
      if (b.at < a.at || b === a || b.iface === a.iface || paired.has(b)) continue;
      if (b.at - a.at > MATCH_WINDOW_MS) break;
      // Payload may change length (a rewritten PORT line) but never appear or vanish.
      if ((a.seg.payloadLength === 0) !== (b.seg.payloadLength === 0)) continue;
      const fa = flowKey(a);
      const fb = flowKey(b);
      if ((flows.get(fa) ?? fb) !== fb || (flows.get(fb) ?? fa) !== fa || !allowed(a, b)) continue;
      flows.set(fa, fb).set(fb, fa).set(reverseKey(a), reverseKey(b)).set(reverseKey(b), reverseKey(a));
      a.peer = b;
      b.peer = a;
      paired.add(a).add(b);
      break;
    }
  }
}

/** Sets each copy's direction through its interface (and orders each pair: entering copy first). */
function assignDirections(copies: Copy[], fwAddresses: ReadonlySet<string>): void {
  const votes = new Map<string, Map<string, number>>();
  const vote = (iface: string, mac: string | undefined) => {
    if (!mac) return;
    const v = votes.get(iface) ?? new Map<string, number>();
    votes.set(iface, v.set(mac, (v.get(mac) ?? 0) + 1));
  };
  for (const c of copies) {
    if (c.peer && c.at <= c.peer.at) {
      vote(c.iface, c.seg.dstMac);
      vote(c.peer.iface, c.peer.seg.srcMac);
    }
    if (fwAddresses.has(c.seg.src)) vote(c.iface, c.seg.srcMac);
    if (fwAddresses.has(c.seg.dst)) vote(c.iface, c.seg.dstMac);
  }
  const fwMac = new Map<string, string>();
  for (const [iface, v] of votes) fwMac.set(iface, [...v].sort((a, b) => b[1] - a[1])[0]![0]);
  // An interface with no pair and no firewall address on it: its first frame cannot be an answer
  // the firewall sent, so it entered.
  for (const c of copies) if (!fwMac.has(c.iface) && c.seg.dstMac) fwMac.set(c.iface, c.seg.dstMac);
  for (const c of copies) {
    if (c.seg.outgoing !== undefined) c.dir = c.seg.outgoing ? 'out' : 'in';
    else if (c.seg.srcMac) c.dir = c.seg.srcMac === fwMac.get(c.iface) ? 'out' : 'in';
    else if (c.peer) c.dir = c.at <= c.peer.at ? 'in' : 'out';
    else c.dir = fwAddresses.has(c.seg.src) ? 'out' : 'in';
  }
}

function decideSides(input: LadderInput, copies: readonly Copy[]): { client: string; server: string } {
  if (input.sides) return input.sides;
  const ifaces = [...input.records.keys()];
  const controlSyn = copies.find((c) => c.dir === 'in' && isSyn(c.seg) && input.controlPorts.includes(c.seg.dport));
  const client =
    controlSyn?.iface ?? copies.find((c) => c.dir === 'in' && input.clientAddresses.includes(c.seg.src))?.iface ?? ifaces[0] ?? '';
  const server = controlSyn?.peer?.iface ?? ifaces.find((i) => i !== client) ?? '';
  return { client, server };
}

/**
 * Names each connection (by every interface's view of it): `control` (then `control 2`...) to a
 * control port, `other` when an end is neither client, server nor firewall (a bounce's third
 * host), else `data 1`, `data 2`... in the order of their first packet (their SYN).
 *
 * A connection whose opening was not captured is not named, so it stays off the ladder: it
 * belongs to an earlier cell. The probe reports once it has sent QUIT, so the server's `221` and
 * FIN may cross the firewall after the next cell began (and meet its freshly reset conntrack).
 */
function nameConnections(copies: readonly Copy[], controlPorts: readonly number[], actorOf: (a: string) => LadderActor): Map<string, Connection> {
  // Union-find over per-interface connections, joined by matched pairs.
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    const p = parent.get(k) ?? k;
    if (p === k) return k;
    const root = find(p);
    parent.set(k, root);
    return root;
  };
  for (const c of copies) if (c.peer) parent.set(find(connKey(c)), find(connKey(c.peer)));

  const groups = new Map<string, Copy[]>();
  for (const c of copies) {
    const g = find(connKey(c));
    const members = groups.get(g);
    if (members) members.push(c);
    else groups.set(g, [c]);
  }
  const names = new Map<string, Connection>();
  let controls = 0;
  let data = 0;
  // Map iteration is insertion order: groups appear in the order of their first copy.
  for (const [root, members] of groups) {
    if (!members.some((c) => has(c.seg, TCP_FLAG.SYN))) continue;
    const syn = members.find((c) => isSyn(c.seg));
    const control = syn
      ? controlPorts.includes(syn.seg.dport)
      : members.some((c) => controlPorts.includes(c.seg.dport) || controlPorts.includes(c.seg.sport));
    const third = members.some((c) => actorOf(c.seg.src) === 'other' || actorOf(c.seg.dst) === 'other');
    const name = control ? (++controls === 1 ? 'control' : `control ${controls}`) : third ? 'other' : `data ${++data}`;
    names.set(root, { id: root, name, control });
  }
  const named = new Map<string, Connection>();
  for (const c of copies) {
    const conn = names.get(find(connKey(c)));
    if (conn) named.set(connKey(c), conn);
  }
  return named;
}

type Entry = Omit<LadderPacket, 'label' | 'rewritten'>;

/** A connection across interfaces: `id` tells apart connections that share a name (`other`). */
interface Connection {
  id: string;
  name: string;
  control: boolean;
}

/**
 * Turns events into labelled entries: FTP lines, handshakes, folded data and ACKs. `folded`
 * counts the packets without an entry of their own: data segments after the first of a run, and
 * pure ACKs other than a handshake's third packet. `data N bytes` counts bytes on the wire, not
 * the captured (snap length) part.
 */
class LadderDrawer {
  readonly entries: LadderPacket[] = [];
  folded = 0;
  /** Per connection: the data run still growing, and the handshake seen so far. */
  private readonly runs = new Map<string, { entry: LadderPacket; bytes: number }>();
  private readonly handshakes = new Map<string, { opener: string; synAck: boolean; done: boolean }>();
  /**
   * Per connection and sender, the end of the highest data sent so far (TCP sequence space): a
   * segment sent again (a retransmission on a loaded machine) adds no bytes to `data N bytes`.
   */
  private readonly sent = new Map<string, number>();

  add(c: Copy, e: Entry, conn: Connection): void {
    const s = c.seg;
    const nat = addressRewrite(c);
    if (has(s, TCP_FLAG.SYN)) {
      const hs = this.handshakes.get(conn.id);
      if (!has(s, TCP_FLAG.ACK)) {
        if (!hs) this.handshakes.set(conn.id, { opener: e.src, synAck: false, done: false });
      } else if (hs) {
        hs.synAck = true;
      }
      return this.push(conn, e, has(s, TCP_FLAG.ACK) ? 'SYN-ACK' : 'SYN', nat);
    }
    if (has(s, TCP_FLAG.RST)) return this.push(conn, e, 'RST', nat);
    if (s.payloadLength > 0) {
      if (conn.control && isText(s.payload)) {
        const lines = ftpLines(s.payload, s.payload.length < s.payloadLength);
        const after = c.peer ? ftpLines(c.peer.seg.payload, c.peer.seg.payload.length < c.peer.seg.payloadLength) : lines;
        lines.forEach((line, i) => {
          const changed = after[i] !== undefined && after[i] !== line ? `${line} -> ${after[i]}` : undefined;
          this.push(conn, e, line, [changed, nat].filter(Boolean).join('; ') || undefined);
        });
      } else {
        this.extendRun(conn, e, s.payloadLength, this.newBytes(`${conn.id} ${e.src}`, s.seq, s.payloadLength), nat);
      }
      if (has(s, TCP_FLAG.FIN)) this.push(conn, e, 'FIN', nat);
      return;
    }
    if (has(s, TCP_FLAG.FIN)) return this.push(conn, e, 'FIN', nat);
    const hs = this.handshakes.get(conn.id);
    if (hs && hs.synAck && !hs.done && hs.opener === e.src) {
      hs.done = true;
      return this.push(conn, e, 'ACK', nat);
    }
    // A pure ACK (or a window update): what a reader does not need to see.
    this.folded++;
  }

  private push(conn: Connection, e: Entry, label: string, rewritten: string | undefined): void {
    this.runs.delete(conn.id);
    this.entries.push({ ...e, label, ...(rewritten ? { rewritten } : {}) });
  }

  /** How many of a segment's bytes were not sent before on that connection by that sender (sequence numbers wrap at 2^32). */
  private newBytes(sender: string, seq: number, length: number): number {
    const end = (seq + length) >>> 0;
    const before = this.sent.get(sender);
    if (before === undefined) {
      this.sent.set(sender, end);
      return length;
    }
    const ahead = (end - before) | 0;
    if (ahead <= 0) return 0;
    this.sent.set(sender, end);
    return Math.min(ahead, length);
  }

  /** Consecutive data segments of one connection, one direction and one fate make one entry. */
  private extendRun(conn: Connection, e: Entry, length: number, bytes: number, rewritten: string | undefined): void {
    const run = this.runs.get(conn.id);
    if (run && run.entry.from === e.from && run.entry.to === e.to && run.entry.fate === e.fate) {
      run.bytes += bytes;
      run.entry.label = `data ${run.bytes} bytes`;
      this.folded++;
      return;
    }
    // A segment sent again on its own (no run of new data to fold it into) says so.
    this.push(conn, e, bytes === 0 ? `data ${length} bytes sent again` : `data ${bytes} bytes`, rewritten);
    this.runs.set(conn.id, { entry: this.entries[this.entries.length - 1]!, bytes });
  }
}

/** What NAT changed in the addresses and ports of a crossed packet. */
function addressRewrite(c: Copy): string | undefined {
  if (!c.peer) return undefined;
  const [a, b] = [c.seg, c.peer.seg];
  const parts: string[] = [];
  if (a.src !== b.src || a.sport !== b.sport) parts.push(`src ${endpoint(a.src, a.sport)} -> ${endpoint(b.src, b.sport)}`);
  if (a.dst !== b.dst || a.dport !== b.dport) parts.push(`dst ${endpoint(a.dst, a.dport)} -> ${endpoint(b.dst, b.dport)}`);
  return parts.join('; ') || undefined;
}

/** FTP's control channel is text (RFC 959, UTF-8 per RFC 2640); TLS records start with a byte below 0x20. */
function isText(payload: Buffer): boolean {
  return payload.length > 0 && payload.every((b) => b >= 0x20 || b === 0x0d || b === 0x0a || b === 0x09);
}

/** The lines of a control segment, trimmed and shortened; the last one marked when the snap length cut it. */
function ftpLines(payload: Buffer, cut: boolean): string[] {
  const lines = payload
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (cut && lines.length > 0) lines[lines.length - 1] += '…';
  return lines.map((l) => (l.length > MAX_LABEL ? `${l.slice(0, MAX_LABEL - 1)}…` : l));
}
