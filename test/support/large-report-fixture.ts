// A run the size of a real one, for the HTML report's size budget: 768 cells (the first real run
// that kept a ladder for every cell had 738, and its report was 17 MB) whose ladders are shaped
// like real captures: a full FTP exchange of ~20-30 entries, ephemeral ports that differ per
// cell, microsecond times, NAT notes on the NAT suite, dropped data SYNs with retries where the
// rule set blocks, long ladders cut to 60 entries, and causes, advice and evidence files as long
// as real ones. Seeded, so the file's size is the same on every run.
import type { Ladder, LadderActor, LadderPacket } from '../../harness/evidence/ladder.ts';
import type { ClientName, FtpCommand, Mode } from '../../harness/model.ts';
import type { HtmlReportInput } from '../../harness/report/html-report.ts';
import { buildJsonReport } from '../../harness/report/json-report.ts';
import { makeCell } from './make-cell.ts';

const SUITES = [
  { suite: 'ftp-stateful', topology: 'routed', nat: false, ipv6: false },
  { suite: 'ftp-clients', topology: 'routed', nat: false, ipv6: false },
  { suite: 'ftp-nat', topology: 'nat', nat: true, ipv6: false },
  { suite: 'ftp-ipv6', topology: 'routed-dualstack', nat: false, ipv6: true },
] as const;
const RULESETS = [
  'nft-helper',
  'helper-masquerade',
  'no-helper',
  'related-no-helper',
  'helper-wrong-port',
  'helper-before-conntrack',
  'masquerade-no-helper',
  'passive-range-no-helper',
] as const;
const MODES: readonly Mode[] = ['PORT', 'EPRT', 'PASV', 'EPSV'];
const COMMANDS: readonly FtpCommand[] = ['RETR', 'STOR', 'LIST'];
const CLIENTS: readonly ClientName[] = ['probe', 'curl'];
const EVIDENCE_FILES = ['conntrack.txt', 'ladder.json', 'lan0.pcap', 'phases.json', 'ruleset.txt', 'summary.txt', 'transcript.txt', 'wan0.pcap'];
/** What buildLadder keeps of a long ladder by default. */
const MAX_ENTRIES = 60;

export const LARGE_VIOLATION_ID = 'ftp-nat/nat/related-no-helper/PORT-RETR';
export const LARGE_LONG_ID = 'ftp-stateful/routed/nft-helper/PORT-RETR';

export function largeReportFixture(): HtmlReportInput {
  const random = seeded(738);
  const cells = [];
  const ladders: Record<string, Ladder> = {};
  for (const at of SUITES) {
    for (const ruleset of RULESETS) {
      for (const mode of MODES) {
        for (const command of COMMANDS) {
          for (const clientKind of CLIENTS) {
            const passive = mode === 'PASV' || mode === 'EPSV';
            const blocked = !/^(nft-helper|helper-masquerade)$/.test(ruleset) && !(ruleset === 'passive-range-no-helper' && passive);
            // related-no-helper is expected to work and does not: the run's violations.
            const expected = blocked && ruleset !== 'related-no-helper' ? 'blocked' : 'pass';
            const ends = endpoints(at, random);
            const cause = blocked
              ? `no-helper: conntrack shows the control connection ${ends.client}:${ends.clientPort} -> ${ends.server}:21 without helper=ftp, so nothing expected the data connection (since Linux 6.0 a helper must be attached by a rule): SYN ${passive ? ends.client : ends.server}:${passive ? ends.dataPort : 20} -> ${passive ? ends.server : ends.client}:${passive ? 50000 + (ends.dataPort % 10) : ends.dataPort} dropped at fw by inet filter forward policy drop`
              : null;
            const place = { suite: at.suite, topology: at.topology, ruleset, mode, command };
            const cell = makeCell(place, expected, blocked ? 'blocked' : 'pass', {
              cause,
              advice: blocked ? { change: 'insert rule inet filter forward tcp dport 21 ct helper set "ftp-standard"', verified: true } : null,
              durationMs: Math.round(5 + random() * 3000),
              variant: { clientKind, ...(at.ipv6 ? { family: 'ipv6' as const } : {}) },
            });
            cell.evidence = blocked ? `evidence/${cell.id.replaceAll('/', '__')}` : null;
            cells.push(cell);
            ladders[cell.id] = ladderFor({ mode, command, clientKind, blocked, nat: at.nat, long: cell.id === LARGE_LONG_ID || random() < 0.08 }, ends, random);
          }
        }
      }
    }
  }
  const evidenceFiles = Object.fromEntries(cells.filter((c) => c.evidence !== null).map((c) => [c.id, EVIDENCE_FILES]));
  return { report: buildJsonReport('netns', cells), ladders, evidenceHref: (cell) => cell.evidence, evidenceFiles, title: 'pinhole netns run' };
}

interface Endpoints {
  client: string;
  server: string;
  /** The masquerading firewall's outside address; null without NAT. */
  nat: string | null;
  clientPort: number;
  dataPort: number;
}

function endpoints(at: (typeof SUITES)[number], random: () => number): Endpoints {
  const port = () => 32768 + Math.floor(random() * 28000);
  if (at.ipv6) return { client: '[2001:db8:10::10]', server: '[2001:db8:20::10]', nat: null, clientPort: port(), dataPort: port() };
  if (at.nat) return { client: '192.168.10.10', server: '203.0.113.10', nat: '203.0.113.254', clientPort: port(), dataPort: port() };
  return { client: '10.0.1.10', server: '10.0.2.10', nat: null, clientPort: port(), dataPort: port() };
}

interface Shape {
  mode: Mode;
  command: FtpCommand;
  clientKind: ClientName;
  blocked: boolean;
  nat: boolean;
  /** A session that went on (repeated transfers), cut like buildLadder cuts it. */
  long: boolean;
}

function ladderFor(shape: Shape, ends: Endpoints, random: () => number): Ladder {
  const passive = shape.mode === 'PASV' || shape.mode === 'EPSV';
  const packets: LadderPacket[] = [];
  let t = 0;
  let folded = 0;
  const add = (connection: string, port: [number, number], from: LadderActor, label: string, fate: LadderPacket['fate'] = 'crossed') => {
    const [cp, sp] = port;
    const outside = ends.nat === null ? ends.client : ends.nat;
    const packet: LadderPacket = {
      t: Math.round(t * 1000) / 1000,
      connection,
      from,
      to: from === 'client' ? 'server' : 'client',
      label,
      // As captured on the sender's side: the server only ever sees the NAT address.
      src: from === 'client' ? `${ends.client}:${cp}` : `${ends.server}:${sp}`,
      dst: from === 'client' ? `${ends.server}:${sp}` : `${outside}:${cp}`,
      fate,
    };
    if (ends.nat !== null && fate === 'crossed') {
      packet.rewritten = from === 'client' ? `src ${ends.client}:${cp} -> ${ends.nat}:${cp}` : `dst ${ends.nat}:${cp} -> ${ends.client}:${cp}`;
    }
    packets.push(packet);
    t += 0.05 + random() * 1.6;
  };
  const control: [number, number] = [ends.clientPort, 21];
  const data: [number, number] = passive ? [ends.dataPort, 50000 + (ends.dataPort % 10)] : [ends.dataPort, 20];
  const say = (from: LadderActor, label: string) => add('control', control, from, label);
  const transfers = shape.long ? 6 : 1;

  add('control', control, 'client', 'SYN');
  add('control', control, 'server', 'SYN-ACK');
  add('control', control, 'client', 'ACK');
  say('server', '220 pinhole vsftpd ready');
  say('client', 'USER anonymous');
  say('server', '230 Login successful.');
  if (shape.clientKind === 'curl') {
    say('client', 'PWD');
    say('server', '257 "/" is the current directory');
  }
  say('client', 'TYPE I');
  say('server', '200 Switching to Binary mode.');
  for (let n = 1; n <= transfers; n += 1) {
    say('client', modeCommand(shape.mode, ends, data));
    say('server', modeReply(shape.mode, data));
    say('client', shape.command === 'LIST' ? 'LIST' : `${shape.command} /pinhole-test.bin`);
    const conn = `data ${n}`;
    const opener: LadderActor = passive ? 'client' : 'server';
    if (shape.blocked) {
      // The kernel retries a SYN nobody answers, at 1 s and then 3 s.
      for (const wait of [0, 1000, 3000]) {
        t += wait;
        add(conn, data, opener, 'SYN', 'died');
      }
      say('server', '425 Failed to establish connection.');
      break;
    }
    add(conn, data, opener, 'SYN');
    add(conn, data, passive ? 'server' : 'client', 'SYN-ACK');
    add(conn, data, opener, 'ACK');
    say('server', '150 Opening BINARY mode data connection for /pinhole-test.bin (262144 bytes).');
    const sender: LadderActor = shape.command === 'STOR' ? 'client' : 'server';
    add(conn, data, sender, shape.command === 'LIST' ? 'data 349 bytes' : 'data 65160 bytes');
    folded += shape.command === 'LIST' ? 0 : 40 + Math.floor(random() * 140);
    add(conn, data, sender, 'FIN');
    add(conn, data, sender === 'client' ? 'server' : 'client', 'FIN');
    add(conn, data, sender, 'ACK');
    say('server', '226 Transfer complete.');
  }
  say('client', 'QUIT');
  say('server', '221 Goodbye.');
  add('control', control, 'server', 'FIN');
  add('control', control, 'client', 'FIN');
  add('control', control, 'server', 'ACK');

  const ladder: Ladder = { firewall: shape.nat ? 'gw' : 'fw', clientSide: 'lan0', serverSide: 'wan0', packets, folded };
  if (packets.length > MAX_ENTRIES) {
    const tail = 20;
    ladder.omitted = packets.length - MAX_ENTRIES;
    ladder.packets = [...packets.slice(0, MAX_ENTRIES - tail), ...packets.slice(packets.length - tail)];
  }
  return ladder;
}

function modeCommand(mode: Mode, ends: Endpoints, [port]: [number, number]): string {
  if (mode === 'PASV' || mode === 'EPSV') return mode;
  if (mode === 'EPRT') return ends.client.startsWith('[') ? `EPRT |2|${ends.client.slice(1, -1)}|${port}|` : `EPRT |1|${ends.client}|${port}|`;
  return `PORT ${ends.client.replaceAll('.', ',')},${port >> 8},${port & 255}`;
}

function modeReply(mode: Mode, [, port]: [number, number]): string {
  if (mode === 'PASV') return `227 Entering Passive Mode (203,0,113,10,${port >> 8},${port & 255}).`;
  if (mode === 'EPSV') return `229 Entering Extended Passive Mode (|||${port}|)`;
  return `200 ${mode} command successful. Consider using PASV.`;
}

/** Park-Miller: small, and the same numbers on every platform. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}
