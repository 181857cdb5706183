/**
 * known-bad: rule sets that let an attack through, kept to show that pinhole catches them. Every
 * cell here expects the attack to be stopped, as the policy demands, so every cell is reported as
 * a violation. Not part of the default run; `pinhole run --grep @known-bad` runs it (exit 1), and
 * test/cli/cli.spec.ts checks that each cell is a violation with the cause below.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *   victim 192.168.10.20/24 --lan-'                        rule set under test           vsftpd :21, passive 50000-50010
 *
 * Verified on Linux 6.x, nftables 1.0.6, iptables 1.8.9 (nf_tables), vsftpd 3.0.3. The mode columns
 * are what each cell expects (the policy), `observed` what really happens:
 *
 *   rule set                     probe          PASV     EPSV     observed  cause
 *   passive-range-no-helper      pinhole-scope  blocked  blocked  pass      attack-reached: neighbour port: a static passive
 *                                                                           range opens every port in it, not just the announced one
 *
 *   rule set                     probe          PORT     EPRT     observed  cause
 *   web-helper-all-tcp           helper-scope   blocked  blocked  pass      attack-reached: slipstream: the helper, attached
 *   web-iptables-helper-all-tcp  helper-scope   blocked  blocked  pass      to all TCP, parsed a PORT line in a web connection
 *                                                                           and let the web server dial the client back
 *
 * Shorewall's AUTOHELPERS=Yes (suites/ftp-frontends, rendered by Shorewall itself) attaches every
 * helper the kernel has, each on its own port, to whatever crosses the firewall: with the
 * two-interfaces sample's policy (LAN clients may open anything) an IRC connection to port 6667
 * gets the IRC helper, and a DCC SEND request in it opens the firewall to the client:
 *
 *   rule set                      probe          PORT     EPRT     observed  cause
 *   shorewall-router-autohelpers  helper-scope   blocked  blocked  pass      attack-reached: slipstream: the IRC server dialled
 *                                                                            the client after a DCC SEND request in an IRC
 *                                                                            connection
 */
import { fileURLToPath } from 'node:url';
import { test } from '../../harness/suite/fixtures.ts';
import { cell } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-security';
const TOPOLOGY = 'routed-bounce';
const tags = ['@security', '@known-bad'];

test.describe('passive-range-no-helper.nft', () => {
  const suiteDir = fileURLToPath(new URL('../ftp-stateful/', import.meta.url));
  for (const mode of ['PASV', 'EPSV'] as const) {
    test(...cell({ suite: SUITE, topology: TOPOLOGY, suiteDir, rulesetFile: 'rulesets/passive-range-no-helper.nft', mode, command: 'RETR', scenario: 'pinhole-scope', expected: 'blocked', tags }));
  }
});

test.describe('shorewall-router-autohelpers', () => {
  const suiteDir = fileURLToPath(new URL('../ftp-frontends/', import.meta.url));
  const source = { file: `${suiteDir}configs/shorewall-router-autohelpers/shorewall`, frontend: 'shorewall' as const };
  for (const mode of ['PORT', 'EPRT'] as const) {
    test(...cell({ suite: SUITE, topology: TOPOLOGY, suiteDir, rulesetFile: source.file, source, mode, command: 'RETR', scenario: 'helper-scope', expected: 'blocked', tags }));
  }
});

for (const rulesetFile of ['rulesets/web-helper-all-tcp.nft', 'rulesets/web-iptables-helper-all-tcp.rules']) {
  test.describe(rulesetFile.replace(/^rulesets\//, ''), () => {
    const suiteDir = fileURLToPath(new URL('.', import.meta.url));
    for (const mode of ['PORT', 'EPRT'] as const) {
      test(...cell({ suite: SUITE, topology: TOPOLOGY, suiteDir, rulesetFile, mode, command: 'RETR', scenario: 'helper-scope', expected: 'blocked', tags }));
    }
  });
}
