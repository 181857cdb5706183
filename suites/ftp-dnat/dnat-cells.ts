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
 * The nftables project's own packetpath/nat_ftp test case, its rule set and addresses kept
 * (topology nat-ftp-ipv6, IPv6 only: the client dials the router's [2001:db8:ffff:21::fffe]:2121,
 * DNAT to the server's port 21, SNAT to the router's server-side address, port 16500; the helper
 * attached in a prerouting filter chain at priority 350). PORT and PASV carry IPv4 addresses only
 * (RFC 2428): on this topology they are not cells. That test expects both of its transfers (curl,
 * passive and active) to pass; so does pinhole.
 *
 *   topology      rule set                      IPv6 EPRT  IPv6 EPSV  why
 *   nat-ftp-ipv6  packetpath-nat-ftp            pass       pass       nf_nat_ftp rewrites EPRT to the router's address
 *                                                                     and maps the expected data connections both ways
 *   nat-ftp-ipv6  packetpath-nat-ftp-no-helper  blocked    blocked    the same without `ct helper set`: EPRT still names
 *                                                                     the client, which vsftpd refuses (500,
 *                                                                     nat-not-rewritten); the EPSV data SYN to the
 *                                                                     router's port is NEW and dropped (no-helper)
 *
 * pasv_address and the helper do not mix: one of the two, not both.
 */
import { fileURLToPath } from 'node:url';
import type { Expectation } from '../../harness/model.ts';
import { defineTruthTable } from '../../harness/suite/suite-kit.ts';
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

/** The cells of nat-ftp-ipv6, the nftables packetpath/nat_ftp case: IPv6 only, so EPRT and EPSV. */
export function defineNatFtpIpv6Cells(): void {
  defineTruthTable({
    suite: 'ftp-dnat',
    suiteDir: fileURLToPath(new URL('.', import.meta.url)),
    topology: 'nat-ftp-ipv6',
    family: 'ipv6',
    modes: ['EPRT', 'EPSV'],
    tags: ['@nat', '@dnat', '@ipv6'],
    rows: [
      ['rulesets/packetpath-nat-ftp.nft', [P, P]],
      ['rulesets/packetpath-nat-ftp-no-helper.nft', [B, B]],
    ],
  });
}
