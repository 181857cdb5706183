/**
 * ftp-ipv6: which rule sets let FTP data connections through one dual-stack firewall over IPv6,
 * and what the same rule set does to IPv4 on the same firewall, at the same time.
 *
 *   client 192.168.10.10/24   --lan--  lan0 192.168.10.254/24   [fw] wan0 203.0.113.254/24   --wan--  server 203.0.113.10/24
 *          2001:db8:10::10/64               2001:db8:10::254/64           2001:db8:20::254/64               2001:db8:20::10/64
 *                                                               rule set under test                  vsftpd :21 on both families,
 *                                                                                                    passive 50000-50010
 *
 * IPv6 cells dial the server's IPv6 address with EPRT (`|2|addr|port|`) and EPSV, for RETR, STOR
 * and LIST; IPv4 cells dial its IPv4 address with PORT and PASV, for RETR. PORT and PASV carry
 * IPv4 addresses only (RFC 2428), so there are no IPv6 PORT or PASV cells: on an IPv6 control
 * connection vsftpd 3.0.3 answers `PORT` with `500 Illegal PORT command.`, `EPRT |1|...|` with
 * `500 Illegal EPRT command.`, and `PASV` with `227 Entering Passive Mode (0,0,0,0,p1,p2).`,
 * an address no client can dial. (IPv4 clients reach the same dual-stack socket as IPv4-mapped
 * addresses and get the answers of an IPv4-only vsftpd.)
 *
 * Every rule set has forward policy drop, accepts established traffic and new connections to
 * port 21 from lan0 to wan0, in the families it filters. Verified on Linux 6.18, nftables 1.0.6,
 * iptables 1.8.9 (nf_tables), vsftpd 3.0.3, on the netns and the docker driver; the observation
 * in each cell comes from real packets.
 *
 *   rule set                   IPv6 EPRT  IPv6 EPSV  IPv4 PORT  IPv4 PASV  why
 *   inet-no-helper             blocked    blocked    blocked    blocked    no helper in either family: data connections are
 *                                                                          NEW, the inet forward policy drops them
 *   inet-helper                pass       pass       pass       pass       helper on 21 for both families (l3proto inet): it
 *                                                                          reads EPRT |2| and 229 as it reads PORT and 227
 *   ip6-helper                 pass       pass       blocked    blocked    a helper serves the family of its table: table ip6
 *                                                                          attaches it, table ip (IPv4) attaches none
 *   helper-ipv4-address-only   blocked    blocked    pass       pass       the rule attaching the helper matches `ip daddr`:
 *                                                                          IPv6 control connections get no helper
 *   ipv4-only-firewall         pass       pass       blocked    blocked    MISCONFIGURED: table ip sees IPv4 only; nothing
 *                                                                          filters IPv6, which is wide open (FTP included)
 *   ip6tables-helper           pass       pass       pass       pass       ip6tables raw CT --helper ftp, RELATED accepted;
 *                                                                          IPv4 passes unfiltered (no iptables rules loaded)
 *   passive-range-no-helper    blocked    pass       blocked    pass       the passive range is open to both server addresses;
 *                                                                          active data connections stay NEW
 *
 * A row that passes for a family its rule set does not filter at all (ipv4-only-firewall over
 * IPv6, ip6tables-helper over IPv4) documents an open door, not a working firewall.
 */
import { fileURLToPath } from 'node:url';
import type { Expectation } from '../../harness/model.ts';
import { defineTruthTable } from '../../harness/suite/suite-kit.ts';

const P: Expectation = 'pass';
const B: Expectation = 'blocked';
type Pair = readonly [Expectation, Expectation];
/** Rule set file -> [IPv6 EPRT, IPv6 EPSV] and [IPv4 PORT, IPv4 PASV]. */
const TRUTH: ReadonlyArray<readonly [rulesetFile: string, ipv6: Pair, ipv4: Pair]> = [
  ['rulesets/inet-no-helper.nft', [B, B], [B, B]],
  ['rulesets/inet-helper.nft', [P, P], [P, P]],
  ['rulesets/ip6-helper.nft', [P, P], [B, B]],
  ['rulesets/helper-ipv4-address-only.nft', [B, B], [P, P]],
  ['rulesets/ipv4-only-firewall.nft', [P, P], [B, B]],
  ['rulesets/ip6tables-helper.rules', [P, P], [P, P]],
  ['rulesets/passive-range-no-helper.nft', [B, P], [B, P]],
];

const table = {
  suite: 'ftp-ipv6',
  suiteDir: fileURLToPath(new URL('.', import.meta.url)),
  topology: 'routed-dualstack',
};

defineTruthTable({
  ...table,
  family: 'ipv6',
  modes: ['EPRT', 'EPSV'],
  commands: ['RETR', 'STOR', 'LIST'],
  rows: TRUTH.map(([file, ipv6]) => [file, ipv6] as const),
  tags: ['@dual-stack', '@ipv6'],
});

defineTruthTable({
  ...table,
  family: 'ipv4',
  modes: ['PORT', 'PASV'],
  commands: ['RETR'],
  rows: TRUTH.map(([file, , ipv4]) => [file, ipv4] as const),
  tags: ['@dual-stack'],
});
