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
import { fileURLToPath } from 'node:url';
import { test } from '../../harness/fixtures.ts';
import { MODES, type TlsMode } from '../../harness/model.ts';
import { cell, type ModeTruth } from '../../harness/suite-kit.ts';

const SUITE = 'ftp-tls';
const TOPOLOGY = 'routed';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));
const P = 'pass';
const B = 'blocked';

const TRUTH: ReadonlyArray<readonly [rulesetFile: string, tls: TlsMode, truth: ModeTruth]> = [
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

test.use({ topologyFile: TOPOLOGY });

for (const [rulesetFile, tls, truth] of TRUTH) {
  test.describe(`${rulesetFile.replace(/^rulesets\//, '')} ${tls}`, () => {
    MODES.forEach((mode, i) => {
      for (const command of ['RETR', 'STOR'] as const) {
        test(...cell({ suite: SUITE, topology: TOPOLOGY, suiteDir: SUITE_DIR, rulesetFile, mode, command, tls, expected: truth[i]!, tags: ['@tls'] }));
      }
    });
  });
}
