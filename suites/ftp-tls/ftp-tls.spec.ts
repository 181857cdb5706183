/**
 * ftp-tls: FTPS through a stateful firewall. Under TLS the conntrack helper cannot read PORT,
 * EPRT or the 227/229 replies, so it creates no expectation: only data ports opened statically
 * let transfers through. Explicit FTPS (`AUTH TLS` on port 21, then `PBSZ 0`, `PROT P`) and
 * implicit FTPS (TLS from the first byte, port 990); data connections are TLS too and resume
 * the control connection's session, as vsftpd requires. The certificate is made at run time in
 * the server node and the probe verifies the chain against it.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *                                                          rule set under test          vsftpd :21 (plain + AUTH TLS),
 *                                                                                       :990 (implicit), passive 50000-50010
 *
 * Verified on Linux 6.x, nftables 1.0.6, iptables 1.8.9 (nf_tables), vsftpd 3.0.3, OpenSSL 3:
 *
 *   rule set                     tls       PORT     EPRT     PASV     EPSV     why
 *   ftps-helper                  none      pass     pass     pass     pass     the helper reads the clear-text control channel
 *   ftps-helper                  explicit  blocked  blocked  blocked  blocked  after AUTH TLS the helper is blind: no expectation
 *   ftps-helper                  implicit  blocked  blocked  blocked  blocked  blind, and not even attached to port 990
 *   ftps-passive-range           explicit  blocked  blocked  pass     pass     the pinned passive range is open statically
 *   ftps-passive-range           implicit  blocked  blocked  pass     pass
 *   ftps-iptables-passive-range  explicit  blocked  blocked  pass     pass     the same in iptables-save format
 *   ftps-iptables-passive-range  implicit  blocked  blocked  pass     pass
 *   ftps-open-data-ports         explicit  pass     pass     pass     pass     passive range plus server port 20 -> client ports
 *   ftps-open-data-ports         implicit  pass     pass     pass     pass     (active works, at the price of an open inbound range)
 *
 * CCC (clear the control channel after login, so the helper can read it again) needs a server
 * that offers it; vsftpd does not.
 */
import { B, defineTlsCells, P, type TlsRow } from './tls-cells.ts';

const TRUTH: readonly TlsRow[] = [
  ['rulesets/ftps-helper.nft', 'none', [P, P, P, P]],
  ['rulesets/ftps-helper.nft', 'explicit', [B, B, B, B]],
  ['rulesets/ftps-helper.nft', 'implicit', [B, B, B, B]],
  ['rulesets/ftps-passive-range.nft', 'explicit', [B, B, P, P]],
  ['rulesets/ftps-passive-range.nft', 'implicit', [B, B, P, P]],
  ['rulesets/ftps-iptables-passive-range.rules', 'explicit', [B, B, P, P]],
  ['rulesets/ftps-iptables-passive-range.rules', 'implicit', [B, B, P, P]],
  ['rulesets/ftps-open-data-ports.nft', 'explicit', [P, P, P, P]],
  ['rulesets/ftps-open-data-ports.nft', 'implicit', [P, P, P, P]],
];

defineTlsCells({ rows: TRUTH, commands: ['RETR', 'STOR'], tags: ['@tls'] });
