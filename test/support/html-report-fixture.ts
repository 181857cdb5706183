// A small run for the HTML report tests: two suites, a violation with verified advice whose
// ladder shows the active-mode data SYN dying in the firewall, an IPv6 and a curl variant, a
// skipped cell, a NAT ladder, and a cause and a server reply that try to break out of the
// embedded JSON.
import type { Ladder } from '../../harness/evidence/ladder.ts';
import type { HtmlReportInput } from '../../harness/report/html-report.ts';
import { buildJsonReport } from '../../harness/report/json-report.ts';
import { makeCell } from './make-cell.ts';

export const INJECTED_CAUSE = 'server-error: 451 </script><b>bold</b> & more';

/** A server echoing a requested path back: the ladder data carries it, the page must draw it as text. */
export const INJECTED_REPLY = '550 </script><img src=x onerror=alert(1)>: No such file';

export const ADVICE = 'add rule inet filter forward ct helper "ftp" accept\nadd rule inet filter forward ct state related accept';

const cells = [
  makeCell({ ruleset: 'nft-helper', mode: 'PORT', command: 'RETR' }, 'pass', 'pass'),
  makeCell({ ruleset: 'no-helper', mode: 'PORT', command: 'RETR' }, 'pass', 'blocked', {
    cause: 'no-helper: data SYN 10.0.2.10:20 -> 10.0.1.10:40000 dropped at fw by forward policy drop',
    advice: { change: ADVICE, verified: true },
    evidence: 'evidence/ftp-stateful/routed/no-helper/PORT-RETR',
  }),
  makeCell({ ruleset: 'nft-helper', mode: 'PORT', command: 'STOR' }, 'pass', 'pass'),
  makeCell({ ruleset: 'no-helper', mode: 'PORT', command: 'STOR' }, 'blocked', 'blocked', {
    cause: 'firewall-drop: data SYN dropped at fw',
    evidence: 'evidence/ftp-stateful/routed/no-helper/PORT-STOR',
  }),
  makeCell({ ruleset: 'nft-helper', mode: 'EPSV', command: 'RETR' }, 'pass', 'pass', { variant: { family: 'ipv6' } }),
  makeCell({ ruleset: 'no-helper', mode: 'EPSV', command: 'RETR' }, 'pass', 'pass', { variant: { family: 'ipv6' } }),
  makeCell({ ruleset: 'nft-helper', mode: 'PASV', command: 'STOR' }, 'pass', null, { cause: 'host lacks curl', variant: { clientKind: 'curl' } }),
  makeCell({ ruleset: 'no-helper', mode: 'PASV', command: 'STOR' }, 'pass', 'error', { cause: INJECTED_CAUSE, variant: { clientKind: 'curl' } }),
  makeCell({ suite: 'ftp-nat', topology: 'nat', ruleset: 'masquerade', mode: 'PASV', command: 'RETR' }, 'pass', 'pass', {
    advice: { change: 'add rule ip nat postrouting oifname "wan" masquerade', verified: false },
  }),
];

export const VIOLATION_ID = 'ftp-stateful/routed/no-helper/PORT-RETR';
export const NAT_ID = 'ftp-nat/nat/masquerade/PASV-RETR';

/** Active mode without a helper: the control exchange crosses, the server's data SYN dies in fw. */
const diedLadder: Ladder = {
  firewall: 'fw',
  clientSide: 'eth0',
  serverSide: 'eth1',
  folded: 0,
  packets: [
    { t: 0, connection: 'control', from: 'client', to: 'server', label: 'SYN', src: '10.0.1.10:40100', dst: '10.0.2.10:21', fate: 'crossed' },
    { t: 0.4, connection: 'control', from: 'server', to: 'client', label: 'SYN-ACK', src: '10.0.2.10:21', dst: '10.0.1.10:40100', fate: 'crossed' },
    { t: 2.1, connection: 'control', from: 'server', to: 'client', label: '220 (vsFTPd 3.0.3)', src: '10.0.2.10:21', dst: '10.0.1.10:40100', fate: 'crossed' },
    { t: 5, connection: 'control', from: 'client', to: 'server', label: 'PORT 10,0,1,10,156,64', src: '10.0.1.10:40100', dst: '10.0.2.10:21', fate: 'crossed' },
    { t: 5.6, connection: 'control', from: 'server', to: 'client', label: '200 PORT command successful', src: '10.0.2.10:21', dst: '10.0.1.10:40100', fate: 'crossed' },
    { t: 6, connection: 'control', from: 'client', to: 'server', label: 'RETR payload.bin', src: '10.0.1.10:40100', dst: '10.0.2.10:21', fate: 'crossed' },
    { t: 6.8, connection: 'data 1', from: 'server', to: 'client', label: 'SYN', src: '10.0.2.10:20', dst: '10.0.1.10:40000', fate: 'died' },
  ],
};

/** Passive mode through masquerade: the client's address is rewritten; the router answers a stray SYN itself. */
const natLadder: Ladder = {
  firewall: 'gw',
  clientSide: 'lan0',
  serverSide: 'wan0',
  folded: 12,
  packets: [
    {
      t: 0,
      connection: 'control',
      from: 'client',
      to: 'server',
      label: 'SYN',
      src: '192.168.10.10:40100',
      dst: '203.0.113.10:21',
      fate: 'crossed',
      rewritten: 'src 192.168.10.10:40100 -> 203.0.113.254:40100',
    },
    { t: 2.5, connection: 'control', from: 'server', to: 'client', label: INJECTED_REPLY, src: '203.0.113.10:21', dst: '203.0.113.254:40100', fate: 'crossed' },
    { t: 14.2, connection: 'data 1', from: 'client', to: 'server', label: 'data 1448 bytes', src: '192.168.10.10:40102', dst: '203.0.113.10:30001', fate: 'crossed' },
    { t: 15, connection: 'other', from: 'client', to: 'firewall', label: 'SYN', src: '192.168.10.10:40200', dst: '192.168.10.1:30002', fate: 'to-firewall' },
    { t: 15.1, connection: 'other', from: 'firewall', to: 'client', label: 'RST', src: '192.168.10.1:30002', dst: '192.168.10.10:40200', fate: 'from-firewall' },
  ],
};

export function htmlReportFixture(): HtmlReportInput {
  return {
    report: buildJsonReport('netns', cells),
    ladders: { [VIOLATION_ID]: diedLadder, [NAT_ID]: natLadder },
    evidenceHref: (cell) => cell.evidence,
    evidenceFiles: { [VIOLATION_ID]: ['ruleset.nft', 'conntrack.txt', 'capture #1.pcap'] },
    title: 'pinhole test report',
  };
}
