/**
 * ftp-tls with proftpd: CCC (RFC 4217 §12.3). After login the client clears the control
 * channel (`CCC`, both sides drop TLS on the control connection) while data stays protected
 * (`PROT P`). The helper can read PORT, EPRT and the 227/229 replies again, so the rule set that
 * works for plain FTP works for FTPS too. proftpd (mod_tls) answers CCC; vsftpd and pure-ftpd do
 * not. The probe sends one clear-text NOOP before the mode command: the helper only parses a line
 * that starts where its last seen line ended, and the first clear-text line starts after TLS.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *                                                          rule set under test          proftpd :21 (plain, AUTH TLS, CCC)
 *
 * Verified on Linux 6.x, nftables 1.0.6, proftpd 1.3.8 with mod_tls, OpenSSL 3:
 *
 *   rule set             tls       PORT     EPRT     PASV     EPSV     why
 *   ftps-helper          explicit  blocked  blocked  blocked  blocked  the helper cannot read the encrypted control channel
 *   ftps-helper          ccc       pass     pass     pass     pass     after CCC it reads PORT/EPRT/227/229 again
 *   ftps-passive-range   ccc       blocked  blocked  pass     pass     no helper: only the static passive range is open
 *
 * RETR only: proftpd pauses about 200 ms after each session ends before it accepts the next
 * one (observed with strace: a timed select in its daemon loop after SIGCHLD), so its cells
 * cost ten times vsftpd's.
 */
import { B, defineTlsCells, P, type TlsRow } from './tls-cells.ts';

const TRUTH: readonly TlsRow[] = [
  ['rulesets/ftps-helper.nft', 'explicit', [B, B, B, B]],
  ['rulesets/ftps-helper.nft', 'ccc', [P, P, P, P]],
  ['rulesets/ftps-passive-range.nft', 'ccc', [B, B, P, P]],
];

defineTlsCells({ rows: TRUTH, commands: ['RETR'], serverKind: 'proftpd', tags: ['@tls', '@proftpd'] });
