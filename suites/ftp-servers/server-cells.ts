/**
 * ftp-servers: the ftp-stateful rule sets again, with pure-ftpd and proftpd as the server, so a
 * rule set is known to work (or to stay blocked) whatever FTP server sits behind it. Each server
 * is configured like vsftpd: anonymous only, the topology's port and passive range, bounce
 * protection on, active data connections from port 20.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *                                                          rule set under test          pure-ftpd or proftpd :21,
 *                                                                                       passive 50000-50010
 *
 * Every rule set has forward policy drop, accepts established traffic and new connections to
 * port 21 from lan0 to wan0 (../ftp-stateful/rulesets). Observed on Linux 6.x with nftables
 * 1.0.6, iptables 1.8.9 (nf_tables), pure-ftpd 1.0.50 and proftpd 1.3.8 (Debian bookworm): the
 * same verdict as vsftpd in every cell, for RETR, STOR and LIST alike. The causes differ:
 *
 *   rule set                  PORT     EPRT     PASV     EPSV      why
 *   no-helper                 blocked  blocked  blocked  blocked   data connections are NEW, policy drops them
 *   related-no-helper         blocked  blocked  blocked  blocked   nothing is RELATED without a helper
 *   nft-helper                pass     pass     pass     pass      ct helper set on port 21 creates expectations
 *   iptables-ct-helper        pass     pass     pass     pass      raw CT --helper ftp, RELATED -m helper accepted
 *   helper-masquerade         pass     pass     pass     pass      nf_nat_ftp rewrites PORT/EPRT to the public address
 *   masquerade-no-helper      blocked  blocked  blocked  blocked   active: see below; passive: NEW data SYN dropped
 *   passive-range-no-helper   blocked  blocked  pass     pass      only the pinned passive range is open
 *   helper-wrong-port         blocked  blocked  blocked  blocked   helper on 2121, control on 21: no expectation
 *
 * Where the servers differ from vsftpd: masquerade-no-helper, active modes. PORT/EPRT carry the
 * client's private address 192.168.10.10 while the control connection comes from the
 * firewall's 203.0.113.254.
 *   vsftpd     refuses it:  500 Illegal PORT command. / 500 Illegal EPRT command.
 *   pure-ftpd  refuses it:  500 I won't open a connection to 192.168.10.10 (only to 203.0.113.254)
 *              (the same reply to EPRT)
 *   proftpd    accepts it (200 PORT command successful), then dials the control connection's peer
 *              instead, 203.0.113.254 at the announced port: the firewall's own address, where
 *              nothing listens, so the firewall answers RST and proftpd replies
 *              425 Unable to build data connection: Connection refused
 *              (cause data-refused-at-router). Bounce protection all the same: nothing reaches a
 *              host the control connection did not come from.
 * Also observed: proftpd 1.3.8 dials active data connections from an ephemeral port unless
 * `RootRevoke off` (set here, for port 20 like the others); pure-ftpd admits at most half as many
 * sessions as the passive range has ports (5 here); proftpd's master sleeps 0.2 s after every
 * interrupted select(2) (each session that ends interrupts it), so its cells take about 0.35 s
 * where pure-ftpd's take 5 ms: the cost of its process model, not of the rule set.
 *
 * Behind a port forward (ftp-dnat's topologies and rule sets) both servers gave ftp-dnat's truth
 * table unchanged, pure-ftpd's --forcepassiveip and proftpd's MasqueradeAddress exactly like
 * vsftpd's pasv_address (PASV blocked with the helper, passing with the forwarded range): observed,
 * not repeated here as cells.
 */
import { fileURLToPath } from 'node:url';
import type { Expectation, ServerSoftware } from '../../harness/model.ts';
import { defineTruthTable, type ModeTruth } from '../../harness/suite/suite-kit.ts';

const P: Expectation = 'pass';
const B: Expectation = 'blocked';
const STATEFUL = '../ftp-stateful/rulesets';

/** Rule set file -> expectation per mode (PORT, EPRT, PASV, EPSV); observed alike for both servers. */
const TRUTH: ReadonlyArray<[string, ModeTruth]> = [
  [`${STATEFUL}/no-helper.nft`, [B, B, B, B]],
  [`${STATEFUL}/related-no-helper.nft`, [B, B, B, B]],
  [`${STATEFUL}/nft-helper.nft`, [P, P, P, P]],
  [`${STATEFUL}/iptables-ct-helper.rules`, [P, P, P, P]],
  [`${STATEFUL}/helper-masquerade.nft`, [P, P, P, P]],
  [`${STATEFUL}/masquerade-no-helper.nft`, [B, B, B, B]],
  [`${STATEFUL}/passive-range-no-helper.nft`, [B, B, P, P]],
  [`${STATEFUL}/helper-wrong-port.nft`, [B, B, B, B]],
];

/** The cells for one server software; each server has a spec file of its own (a worker and a lab each). */
export function defineServerCells(serverKind: Exclude<ServerSoftware, 'vsftpd'>): void {
  defineTruthTable({
    suite: 'ftp-servers',
    suiteDir: fileURLToPath(new URL('.', import.meta.url)),
    topology: 'routed',
    serverKind,
    rows: TRUTH,
    commands: ['RETR', 'STOR'],
    tags: ['@servers', `@${serverKind}`],
  });
}
