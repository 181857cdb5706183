/**
 * ftp-double-nat: the client behind a masquerading home gateway (with, or without, its own FTP
 * helper), the server behind the port-forwarding firewall under test. Both ends are private:
 * every address in the control channel has to be rewritten twice, once by each NAT.
 *
 *   client 10.0.1.10/24 --home-- lan0 10.0.1.254/24 [gw] wan0 198.51.100.10/24 --inet-- wan0 198.51.100.254/24 [fw] lan0 192.168.20.254/24 --dmz-- server 192.168.20.10/24
 *                               masquerade (+ FTP helper)                    rule set under test: port forward       vsftpd :21, passive 50000-50010
 *
 * Verified on Linux 6.x, nftables 1.0.6, vsftpd 3.0.3:
 *
 *   topology            rule set (fw)   PORT     EPRT     PASV     EPSV   why
 *   double-nat          dnat-helper     pass     pass     pass     pass   gw rewrites PORT to its public address, fw
 *                                                                         rewrites 227 to its own: both helpers expect
 *   double-nat          dnat-no-helper  blocked  blocked  blocked  pass   fw: 227 names the private server, active SYN
 *                                                                         is NEW; EPSV's forwarded port works
 *   double-nat-no-alg   dnat-helper     blocked  blocked  pass     pass   gw leaves the client's private address in
 *                                                                         PORT/EPRT: vsftpd refuses it (500)
 *   double-nat-no-alg   dnat-no-helper  blocked  blocked  blocked  pass   both of the above
 */
import { fileURLToPath } from 'node:url';
import type { Expectation } from '../../harness/model.ts';
import { natCellsOf, type NatTruth } from '../nat-cells.ts';

const P: Expectation = 'pass';
const B: Expectation = 'blocked';
const TRUTH: NatTruth = {
  'double-nat': [
    ['rulesets/dnat-helper.nft', [P, P, P, P]],
    ['rulesets/dnat-no-helper.nft', [B, B, B, P]],
  ],
  'double-nat-no-alg': [
    ['rulesets/dnat-helper.nft', [B, B, P, P]],
    ['rulesets/dnat-no-helper.nft', [B, B, B, P]],
  ],
};

/** The cells of one topology; each topology has a spec file of its own (a worker per topology). */
export const defineDoubleNatCells = natCellsOf({
  suite: 'ftp-double-nat',
  suiteDir: fileURLToPath(new URL('.', import.meta.url)),
  truth: TRUTH,
  tags: ['@nat', '@double-nat'],
});
