/**
 * ftp-security: attacks that a rule set (and the server behind it) must not let through. In
 * these cells `pass` means the attack got through and `blocked` says which layer stopped it.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *   victim 192.168.10.20/24 --lan-'                        rule set under test           vsftpd :21, passive 50000-50010
 *
 * bounce (PORT, EPRT): the client names the victim's address as its data endpoint. The server
 * must refuse (vsftpd: port_promiscuous=NO, `500 Illegal PORT command.`), the firewall must hold
 * no expectation toward the victim (the helper, loose=0, ignores an address that is not the
 * control connection's), and no SYN toward the victim may cross the firewall.
 *
 * pinhole-scope (PASV, EPSV): after the server announces port X, the client dials a neighbour
 * of X inside the passive range; then a real transfer, after which no expectation may be left.
 * Only meaningful where passive transfers work at all.
 *
 * helper-scope (PORT, EPRT; NAT slipstreaming): the client opens a web connection (port 80) to
 * the server and sends `GET /`, then a PORT/EPRT line naming its own listener as the first bytes
 * of a new segment; the server, playing the attacker's web server, dials what the line names. The
 * rule sets here allow web traffic out as well as FTP (suites/ftp-security/rulesets/).
 *
 * Verified on Linux 6.x, nftables 1.0.6, iptables 1.8.9 (nf_tables), vsftpd 3.0.3:
 *
 *   rule set                     probe          PORT     EPRT     why
 *   no-helper                    bounce         blocked  blocked  server-refused
 *   related-no-helper            bounce         blocked  blocked
 *   nft-helper                   bounce         blocked  blocked
 *   iptables-ct-helper           bounce         blocked  blocked
 *   helper-masquerade            bounce         blocked  blocked
 *   masquerade-no-helper         bounce         blocked  blocked
 *   passive-range-no-helper      bounce         blocked  blocked
 *   helper-wrong-port            bounce         blocked  blocked
 *   web-helper-port-21           helper-scope   blocked  blocked  the helper never sees port 80; dial dropped
 *   web-iptables-helper-port-21  helper-scope   blocked  blocked
 *
 *   rule set                     probe          PASV     EPSV     why
 *   nft-helper                   pinhole-scope  blocked  blocked  neighbour dropped, no expectation left
 *   iptables-ct-helper           pinhole-scope  blocked  blocked
 *   helper-masquerade            pinhole-scope  blocked  blocked
 *
 * Rule sets that let an attack through are not in the default run: known-bad.spec.ts shows that
 * pinhole reports them as violations (`pinhole run --grep @known-bad`, exit 1).
 */
import { fileURLToPath } from 'node:url';
import { test } from '../../harness/suite/fixtures.ts';
import { cell } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-security';
const TOPOLOGY = 'routed-bounce';
/** The rule sets are ftp-stateful's: the same firewalls, attacked instead of used. */
const RULESETS_DIR = fileURLToPath(new URL('../ftp-stateful/', import.meta.url));

const BOUNCE: readonly string[] = [
  'rulesets/no-helper.nft',
  'rulesets/related-no-helper.nft',
  'rulesets/nft-helper.nft',
  'rulesets/iptables-ct-helper.rules',
  'rulesets/helper-masquerade.nft',
  'rulesets/masquerade-no-helper.nft',
  'rulesets/passive-range-no-helper.nft',
  'rulesets/helper-wrong-port.nft',
];
const PINHOLE_SCOPE: readonly string[] = ['rulesets/nft-helper.nft', 'rulesets/iptables-ct-helper.rules', 'rulesets/helper-masquerade.nft'];
/** This suite's own rule sets: web (port 80) allowed out as well as FTP. */
const HELPER_SCOPE: readonly string[] = ['rulesets/web-helper-port-21.nft', 'rulesets/web-iptables-helper-port-21.rules'];
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));

const common = { suite: SUITE, topology: TOPOLOGY, suiteDir: RULESETS_DIR, command: 'RETR' as const, tags: ['@security'] };
const name = (file: string) => file.replace(/^rulesets\//, '');

for (const rulesetFile of BOUNCE) {
  test.describe(name(rulesetFile), () => {
    for (const mode of ['PORT', 'EPRT'] as const) {
      test(...cell({ ...common, rulesetFile, mode, scenario: 'bounce', expected: 'blocked' }));
    }
    if (PINHOLE_SCOPE.includes(rulesetFile)) {
      for (const mode of ['PASV', 'EPSV'] as const) {
        test(...cell({ ...common, rulesetFile, mode, scenario: 'pinhole-scope', expected: 'blocked' }));
      }
    }
  });
}

for (const rulesetFile of HELPER_SCOPE) {
  test.describe(name(rulesetFile), () => {
    for (const mode of ['PORT', 'EPRT'] as const) {
      test(...cell({ ...common, suiteDir: SUITE_DIR, rulesetFile, mode, scenario: 'helper-scope', expected: 'blocked' }));
    }
  });
}
