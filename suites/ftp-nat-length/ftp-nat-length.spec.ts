/**
 * ftp-nat-length: masquerade that changes the length of the PORT line. With routed's addresses
 * the rewritten line keeps its length, so the helper never has to shift the control connection's
 * TCP sequence numbers; here the client's address is short and the firewall's long, so every
 * rewritten PORT/EPRT line grows by six bytes and everything after it on the control connection
 * (the next replies and commands, a whole session's worth) rides on nf_nat_ftp's sequence
 * adjustment. Cells: RETR, STOR, LIST, and RETR + STOR + LIST in one session after the rewrite.
 *
 *   client 10.1.2.3/24 --lan-- lan0 10.1.2.254/24 [fw] wan0 198.51.100.254/24 --wan-- server 198.51.100.10/24
 *   "PORT 10,1,2,3,p1,p2"           masquerade, rule set under test           "PORT 198,51,100,254,p1,p2"
 *
 * The rule sets are ftp-stateful's, by reference (they name interfaces, not addresses). Verified
 * on Linux 6.18, nftables 1.0.6, vsftpd 3.0.3; every cell observed from real packets first.
 *
 *   rule set              PORT     EPRT     PASV     EPSV      why
 *   helper-masquerade     pass     pass     pass     pass      nf_nat_ftp rewrites the line to the public address and
 *                                                              shifts the sequence numbers of all that follows it
 *   masquerade-no-helper  blocked  blocked  blocked  blocked   active: vsftpd refuses the private address (500);
 *                                                              passive: the NEW data connection is dropped
 */
import { fileURLToPath } from 'node:url';
import { MODES, type Expectation } from '../../harness/model.ts';
import { test } from '../../harness/suite/fixtures.ts';
import { cell } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-nat-length';
const TOPOLOGY = 'masquerade-longer';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));

const P: Expectation = 'pass';
const B: Expectation = 'blocked';
const TRUTH: ReadonlyArray<[string, readonly [Expectation, Expectation, Expectation, Expectation]]> = [
  ['../ftp-stateful/rulesets/helper-masquerade.nft', [P, P, P, P]],
  ['../ftp-stateful/rulesets/masquerade-no-helper.nft', [B, B, B, B]],
];

for (const [rulesetFile, expectations] of TRUTH) {
  test.describe(rulesetFile.replace(/^.*\//, ''), () => {
    MODES.forEach((mode, i) => {
      const common = { suite: SUITE, topology: TOPOLOGY, suiteDir: SUITE_DIR, rulesetFile, mode, expected: expectations[i]!, tags: ['@nat', '@nat-length'] };
      for (const command of ['RETR', 'STOR', 'LIST'] as const) test(...cell({ ...common, command }));
      // Three transfers in one control session: each command after the first rewrite depends on the shifted sequence numbers.
      test(...cell({ ...common, command: 'RETR', scenario: 'session', tags: [...common.tags, '@session'] }));
    });
  });
}
