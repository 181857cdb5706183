/**
 * ftp-host-firewall: the rule set under test on the FTP server itself, or on the FTP client, as
 * the source articles set FTP up most often: the host's own INPUT (and OUTPUT) chains, not a
 * firewall in the forwarding path. The topology is routed; its fw node forwards with no rule set
 * of its own, and the rule set is applied to the server node (`on: server`) or the client node
 * (`on: client`), where `pinhole explore --on server` puts a user's own.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *   rule set under test (on: client)            forwards, no rules                 rule set under test (on: server)
 *                                                                                   vsftpd :21, passive 50000-50010
 *
 * A host firewall sees FTP differently from a router: the server's PORT data connection starts in
 * its own OUTPUT chain and passive data arrives in its INPUT chain; on the client, its own control
 * SYN leaves through the output hook and never crosses prerouting, so a helper attached in
 * prerouting never sees the client's commands. Verified on Linux 6.18, nftables 1.0.6, iptables
 * 1.8.9 (nf_tables), vsftpd 3.0.3, pure-ftpd 1.0.50, proftpd 1.3.8, curl 7.88.1, lftp 4.9.2;
 * every cell was observed from real packets first.
 *
 *   rule set                      PORT     EPRT     PASV     EPSV      why
 *   server-input-only             pass     pass     blocked  blocked   INPUT: established, related, port 21. The server opens
 *                                                                      active data itself (OUTPUT accepts); passive data is NEW
 *   server-input-helper           pass     pass     pass     pass      the helper attached in INPUT makes passive data RELATED
 *   server-prerouting-helper      pass     pass     pass     pass      attached in prerouting: the client's control SYN crosses it
 *   server-passive-range          pass     pass     pass     pass      the pinned passive range is open in INPUT
 *   server-input-output-drop      blocked  blocked  blocked  blocked   OUTPUT drops the server's own new data connections
 *                                                                      (PORT, EPRT); INPUT the client's (PASV, EPSV)
 *   server-input-output-helper    pass     pass     pass     pass      with the helper, each data connection is RELATED, in
 *                                                                      OUTPUT and in INPUT alike
 *   server-rh-firewall            pass     pass     blocked  blocked   RH-Firewall-1-INPUT as RHEL 5 shipped it, port 21 opened as
 *                                                                      the articles do; their module recipe (ip_conntrack_ftp)
 *                                                                      attaches no helper since Linux 6.0: passive data is NEW and
 *                                                                      the closing REJECT answers icmp-host-prohibited
 *   server-rh-firewall-ct-helper  pass     pass     pass     pass      the same with raw PREROUTING -j CT --helper ftp
 *
 *   rule set                      PORT     EPRT     PASV     EPSV      why
 *   client-input-only             blocked  blocked  pass     pass      INPUT: established, related. The server's active data
 *                                                                      SYN is NEW; the client opens passive data itself
 *   client-output-helper          pass     pass     pass     pass      the helper attached in the output hook, where the
 *                                                                      client's control SYN leaves, reads its PORT and EPRT
 *   client-prerouting-helper      blocked  blocked  pass     pass      attached in prerouting, which the client's own control
 *                                                                      SYN never crosses: no helper, as client-input-only
 *   client-raw-output-ct-helper   pass     pass     pass     pass      iptables: raw OUTPUT -j CT --helper ftp
 *   client-input-output-drop      blocked  blocked  blocked  blocked   OUTPUT drops the client's new passive data connections;
 *                                                                      INPUT the server's active ones
 *
 * An edge firewall and a host firewall together: on topology server-firewall (routed, where the
 * server keeps topologies/rulesets/server-host-input-only.nft, the first server-side recipe
 * above, as a fixed rule set of its own) the rule set under test is the edge's, on fw
 * (rule sets from ../ftp-stateful/rulesets). Whatever the edge lets through, the server's own
 * INPUT chain still drops passive data as NEW: no edge rule can fix that.
 *
 *   topology         rule set                  PORT     EPRT     PASV     EPSV      why
 *   server-firewall  nft-helper                pass     pass     blocked  blocked   the edge's helper accepts passive data as
 *                                                                                   RELATED; the server's INPUT drops it
 *                                                                                   (fixed-ruleset-drop at server)
 *   server-firewall  iptables-ct-helper        pass     pass     blocked  blocked   the same in iptables form
 *   server-firewall  passive-range-no-helper   blocked  blocked  blocked  blocked   active: no helper at the edge (no-helper);
 *                                                                                   passive: the edge opens the range, the
 *                                                                                   server's INPUT does not
 */
import { fileURLToPath } from 'node:url';
import type { Expectation } from '../../harness/model.ts';
import { defineTruthTable } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-host-firewall';
const TOPOLOGY = 'routed';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));
const ALL_COMMANDS = ['RETR', 'STOR', 'LIST'] as const;

const P: Expectation = 'pass';
const B: Expectation = 'blocked';

type Row = readonly [string, readonly [Expectation, Expectation, Expectation, Expectation]];

const SERVER_SIDE: readonly Row[] = [
  ['rulesets/server-input-only.nft', [P, P, B, B]],
  ['rulesets/server-input-helper.nft', [P, P, P, P]],
  ['rulesets/server-prerouting-helper.nft', [P, P, P, P]],
  ['rulesets/server-passive-range.nft', [P, P, P, P]],
  ['rulesets/server-input-output-drop.nft', [B, B, B, B]],
  ['rulesets/server-input-output-helper.nft', [P, P, P, P]],
  ['rulesets/server-rh-firewall.rules', [P, P, B, B]],
  ['rulesets/server-rh-firewall-ct-helper.rules', [P, P, P, P]],
];

const CLIENT_SIDE: readonly Row[] = [
  ['rulesets/client-input-only.nft', [B, B, P, P]],
  ['rulesets/client-output-helper.nft', [P, P, P, P]],
  ['rulesets/client-prerouting-helper.nft', [B, B, P, P]],
  ['rulesets/client-raw-output-ct-helper.rules', [P, P, P, P]],
  ['rulesets/client-input-output-drop.nft', [B, B, B, B]],
];

const common = { suite: SUITE, suiteDir: SUITE_DIR, topology: TOPOLOGY } as const;
const rowsOf = (rows: readonly Row[], files: readonly string[]) => rows.filter(([f]) => files.some((name) => f.endsWith(`/${name}`)));

// Every rule set with the pinned probe and vsftpd: four modes x RETR, STOR and LIST.
defineTruthTable({ ...common, on: 'server', commands: ALL_COMMANDS, tags: ['@host-firewall', '@server-side'], rows: SERVER_SIDE });
defineTruthTable({ ...common, on: 'client', commands: ALL_COMMANDS, tags: ['@host-firewall', '@client-side'], rows: CLIENT_SIDE });

// The other servers behind the server's own firewall: the plain recipe and the one with both
// policies dropping and the helper (where the server's own data connection must be RELATED).
const SERVER_ROWS = rowsOf(SERVER_SIDE, ['server-input-only.nft', 'server-input-output-helper.nft', 'server-input-output-drop.nft']);
for (const serverKind of ['pure-ftpd', 'proftpd'] as const) {
  defineTruthTable({ ...common, on: 'server', serverKind, tags: ['@host-firewall', '@server-side', `@${serverKind}`], rows: SERVER_ROWS });
}

// The real clients behind the client's own firewall, and against the server's. lftp cannot pin
// EPRT over IPv4 (harness/probes/lftp-client.ts): its cells are PORT, PASV and EPSV.
const LFTP_MODES = ['PORT', 'PASV', 'EPSV'] as const;
const withoutEprt = (rows: readonly Row[]) => rows.map(([file, [port, , pasv, epsv]]) => [file, [port, pasv, epsv]] as const);
for (const client of ['curl', 'lftp'] as const) {
  const clientSide = rowsOf(CLIENT_SIDE, ['client-input-only.nft', 'client-output-helper.nft']);
  const serverSide = rowsOf(SERVER_SIDE, ['server-input-only.nft']);
  const base = { ...common, client, commands: ['RETR'] as const };
  if (client === 'curl') {
    defineTruthTable({ ...base, on: 'client', tags: ['@host-firewall', '@client-side', '@curl'], rows: clientSide });
    defineTruthTable({ ...base, on: 'server', tags: ['@host-firewall', '@server-side', '@curl'], rows: serverSide });
  } else {
    defineTruthTable({ ...base, on: 'client', modes: LFTP_MODES, tags: ['@host-firewall', '@client-side', '@lftp'], rows: withoutEprt(clientSide) });
    defineTruthTable({ ...base, on: 'server', modes: LFTP_MODES, tags: ['@host-firewall', '@server-side', '@lftp'], rows: withoutEprt(serverSide) });
  }
}

// The edge under test in front of the server's own fixed host firewall (topology server-firewall).
const EDGE = '../ftp-stateful/rulesets/';
defineTruthTable({
  suite: SUITE,
  suiteDir: SUITE_DIR,
  topology: 'server-firewall',
  tags: ['@host-firewall', '@edge-and-host'],
  rows: [
    [`${EDGE}nft-helper.nft`, [P, P, B, B]],
    [`${EDGE}iptables-ct-helper.rules`, [P, P, B, B]],
    [`${EDGE}passive-range-no-helper.nft`, [B, B, B, B]],
  ],
});
