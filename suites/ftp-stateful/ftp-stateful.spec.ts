/**
 * ftp-stateful: which rule sets let FTP data connections through one stateful firewall, in
 * each pinned mode, for downloads (RETR), uploads (STOR) and directory listings (LIST); then
 * RETR, STOR and LIST in one control session (`session`: three data connections, each needing
 * its own expectation or passive port), and three sessions at once (`concurrent`: three
 * expectations alive together). Both follow the same truth as a single transfer.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *                                                          rule set under test          vsftpd :21, passive 50000-50010
 *
 * Every rule set has forward policy drop, accepts established traffic and new connections to
 * port 21 from lan0 to wan0. The truth below was verified on Linux 6.x with nftables 1.0.6,
 * iptables 1.8.9 (nf_tables) and vsftpd 3.0.3 (see shared/reference/netfilter-ftp.md); the
 * observation in each cell comes from real packets.
 *
 *   rule set                  PORT     EPRT     PASV     EPSV      why
 *   no-helper                 blocked  blocked  blocked  blocked   data connections are NEW, policy drops them
 *   related-no-helper         blocked  blocked  blocked  blocked   nothing is RELATED without a helper (none is automatic since 6.0)
 *   nft-helper                pass     pass     pass     pass      ct helper set on port 21 creates expectations
 *   iptables-ct-helper        pass     pass     pass     pass      raw CT --helper ftp, RELATED -m helper accepted
 *   helper-masquerade         pass     pass     pass     pass      nf_nat_ftp rewrites PORT/EPRT to the public address
 *   masquerade-no-helper      blocked  blocked  blocked  blocked   active: vsftpd refuses the private address (500);
 *                                                                  passive: NEW data connection dropped
 *   passive-range-no-helper   blocked  blocked  pass     pass      only the pinned passive range is open
 *   helper-wrong-port         blocked  blocked  blocked  blocked   helper on 2121, control on 21: no expectation
 *   helper-before-conntrack   blocked  blocked  blocked  blocked   ct helper set at priority raw (-300) runs before
 *                                                                  conntrack (-200): no connection to attach it to
 */
import { fileURLToPath } from 'node:url';
import { test } from '../../harness/suite/fixtures.ts';
import { MODES, type Expectation, type Mode } from '../../harness/model.ts';
import { cell } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-stateful';
const TOPOLOGY = 'routed';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));

const P: Expectation = 'pass';
const B: Expectation = 'blocked';
/** Rule set file -> expectation per mode, in the order PORT, EPRT, PASV, EPSV. */
const TRUTH: ReadonlyArray<[string, [Expectation, Expectation, Expectation, Expectation]]> = [
  ['rulesets/no-helper.nft', [B, B, B, B]],
  ['rulesets/related-no-helper.nft', [B, B, B, B]],
  ['rulesets/nft-helper.nft', [P, P, P, P]],
  ['rulesets/iptables-ct-helper.rules', [P, P, P, P]],
  ['rulesets/helper-masquerade.nft', [P, P, P, P]],
  ['rulesets/masquerade-no-helper.nft', [B, B, B, B]],
  ['rulesets/passive-range-no-helper.nft', [B, B, P, P]],
  ['rulesets/helper-wrong-port.nft', [B, B, B, B]],
  ['rulesets/helper-before-conntrack.nft', [B, B, B, B]],
];

for (const [rulesetFile, expectations] of TRUTH) {
  test.describe(rulesetFile.replace(/^rulesets\//, ''), () => {
    MODES.forEach((mode: Mode, i) => {
      const tags = ['@stateful', ...(rulesetFile.includes('masquerade') ? ['@nat'] : [])];
      const common = { suite: SUITE, topology: TOPOLOGY, suiteDir: SUITE_DIR, rulesetFile, mode, expected: expectations[i]!, tags };
      for (const command of ['RETR', 'STOR', 'LIST'] as const) test(...cell({ ...common, command }));
      // The same truth holds for RETR, STOR and LIST in one session, and for three sessions at once.
      test(...cell({ ...common, command: 'RETR', scenario: 'session', tags: [...tags, '@session'] }));
      test(...cell({ ...common, command: 'RETR', scenario: 'concurrent', tags: [...tags, '@session'] }));
    });
  });
}
