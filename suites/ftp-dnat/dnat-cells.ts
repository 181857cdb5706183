/**
 * ftp-dnat: an FTP server on a private LAN, published by a port forward (DNAT) on the firewall;
 * the client on the public side dials the firewall's address. With and without the server's
 * pasv_address, with and without the helper (whose NAT part rewrites 227 replies).
 *
 *   client 203.0.113.10/24 --wan-- wan0 203.0.113.254/24 [fw] lan0 192.168.10.254/24 --lan-- server 192.168.10.10/24
 *          dials 203.0.113.254:21          DNAT 21 (+ the passive range) -> 192.168.10.10       vsftpd :21, passive 50000-50010
 *
 * Verified on Linux 6.x, nftables 1.0.6, vsftpd 3.0.3:
 *
 *   topology           rule set        PORT     EPRT     PASV     EPSV   why
 *   dnat               dnat-helper     pass     pass     pass     pass   nf_nat_ftp rewrites 227's private address to the
 *                                                                        public one and maps the expected connection
 *   dnat               dnat-no-helper  blocked  blocked  blocked  pass   PASV names the private address: not a forwarded
 *                                                                        connection; EPSV names only a port, which is
 *                                                                        forwarded; active: the server's SYN is NEW
 *   dnat-pasv-address  dnat-helper     pass     pass     blocked  pass   227 names the public address, not the server's:
 *                                                                        the helper (loose=0) expects nothing, and the
 *                                                                        firewall answers the data SYN itself with RST
 *   dnat-pasv-address  dnat-no-helper  blocked  blocked  pass     pass   public address + forwarded passive range
 *
 *   topology   rule set                PORT     EPRT     PASV     EPSV     why
 *   dnat-2121  forward-2121-helper     pass     pass     pass     pass     the client dials 203.0.113.254:2121, DNAT to
 *                                                                          the server's 21; the helper on the forwarded
 *                                                                          control connection (dport 21 after DNAT) works
 *                                                                          as on dnat
 *   dnat-2121  forward-2121-no-helper  blocked  blocked  blocked  blocked  no helper, no forwarded passive range: every
 *                                                                          data connection is NEW
 *
 * pasv_address and the helper do not mix: one of the two, not both.
 */
import { fileURLToPath } from 'node:url';
import type { Expectation } from '../../harness/model.ts';
import { natCellsOf, type NatTruth } from '../nat-cells.ts';

const P: Expectation = 'pass';
const B: Expectation = 'blocked';
/** Topology -> rule set file -> expectation per mode (PORT, EPRT, PASV, EPSV). */
const DNAT_TRUTH: NatTruth = {
  dnat: [
    ['rulesets/dnat-helper.nft', [P, P, P, P]],
    ['rulesets/dnat-no-helper.nft', [B, B, B, P]],
  ],
  'dnat-pasv-address': [
    ['rulesets/dnat-helper.nft', [P, P, B, P]],
    ['rulesets/dnat-no-helper.nft', [B, B, P, P]],
  ],
  'dnat-2121': [
    ['rulesets/forward-2121-helper.nft', [P, P, P, P]],
    ['rulesets/forward-2121-no-helper.nft', [B, B, B, B]],
  ],
};

/** The cells of one topology; each topology has a spec file of its own (a worker per topology). */
export const defineDnatCells = natCellsOf({
  suite: 'ftp-dnat',
  suiteDir: fileURLToPath(new URL('.', import.meta.url)),
  truth: DNAT_TRUTH,
  tags: ['@nat', '@dnat'],
});
