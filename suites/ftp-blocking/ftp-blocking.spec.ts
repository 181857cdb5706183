/**
 * ftp-blocking: rule sets that stop FTP in other ways than by dropping a SYN, as real ones do: a
 * reject (ICMP admin-prohibited as firewalld's zones end, a TCP reset on a router, a server and a
 * client), a drop of a later packet of the control connection (the client's handshake ACK when
 * established traffic is accepted in the reply direction only; the segment carrying PORT, by a
 * string match; every client-to-server segment after the SYN, by raw-table sanity rules placed
 * after the CT rule), and NOTRACK on the control connection. Each must be `blocked`, naming the
 * packet, the action and the rule at its file line, at once and the same on every run: a reject
 * answers the client before its trace line reaches pinhole, and a stalled control connection
 * used to wait out the probe's timeout as `error`. Red Hat's RH-Firewall-1-INPUT as shipped
 * (closing REJECT icmp-host-prohibited) is in ftp-host-firewall.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *   rule set under test (on: client)     rule set under test (on: fw)                 rule set under test (on: server)
 *                                                                                      vsftpd :21, passive 50000-50010
 *
 * Verified on Linux 6.18 with nftables 1.0.6, iptables 1.8.9 (nf_tables) and vsftpd 3.0.3 by
 * hand first (namespaces, vsftpd, curl with a timeout, `nft monitor trace`), then by pinhole:
 *
 *   rule set (on fw)         PORT     EPRT     PASV     EPSV      what stops it
 *   firewalld-zone-reject    blocked  blocked  blocked  blocked   port 21 opened without the ftp service's helper: the
 *                                                                 data SYN is NEW, rejected icmpx admin-prohibited
 *   router-tcp-reset         blocked  blocked  blocked  blocked   no helper: the data SYN is answered with a TCP RST
 *   established-reply-only   blocked  blocked  blocked  blocked   `ct state established ct direction reply accept`: the
 *                                                                 client's handshake ACK is dropped, no greeting ever
 *   port-string-drop         blocked  pass     pass     pass      `-m string --string "PORT "`: the PORT segment is dropped
 *   notrack-control          blocked  blocked  blocked  blocked   the untracked control connection gets no helper: the
 *                                                                 data SYN is NEW, policy drop
 *   raw-sanity-after-ct      blocked  blocked  blocked  blocked   in raw, a packet with the CT template reads NEW: the
 *                                                                 "! --syn NEW" drop takes the handshake ACK
 *   raw-sanity-before-ct     pass     pass     pass     pass      the same rules with the CT rule after the drops
 *
 *   rule set (on a host)     PORT     EPRT     PASV     EPSV      what stops it
 *   server-tcp-reset         pass     pass     blocked  blocked   server input: passive data SYN answered with a RST
 *   client-tcp-reset         blocked  blocked  pass     pass      client INPUT, iptables REJECT tcp-reset: the server's
 *                                                                 active data SYN is reset (vsftpd answers 425)
 */
import { fileURLToPath } from 'node:url';
import type { Expectation } from '../../harness/model.ts';
import { defineTruthTable } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-blocking';
const TOPOLOGY = 'routed';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));
const ALL_COMMANDS = ['RETR', 'STOR', 'LIST'] as const;

const P: Expectation = 'pass';
const B: Expectation = 'blocked';

const common = { suite: SUITE, suiteDir: SUITE_DIR, topology: TOPOLOGY, commands: ALL_COMMANDS } as const;

defineTruthTable({
  ...common,
  tags: ['@blocking', '@router'],
  rows: [
    ['rulesets/firewalld-zone-reject.nft', [B, B, B, B]],
    ['rulesets/router-tcp-reset.nft', [B, B, B, B]],
    ['rulesets/established-reply-only.nft', [B, B, B, B]],
    ['rulesets/port-string-drop.rules', [B, P, P, P]],
    ['rulesets/notrack-control.nft', [B, B, B, B]],
    ['rulesets/raw-sanity-after-ct.rules', [B, B, B, B]],
    ['rulesets/raw-sanity-before-ct.rules', [P, P, P, P]],
  ],
});
defineTruthTable({ ...common, on: 'server', tags: ['@blocking', '@server-side'], rows: [['rulesets/server-tcp-reset.nft', [P, P, B, B]]] });
defineTruthTable({ ...common, on: 'client', tags: ['@blocking', '@client-side'], rows: [['rulesets/client-tcp-reset.rules', [B, B, P, P]]] });
