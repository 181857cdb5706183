/**
 * ftp-port-2121: helpers are attached by port. A server on a non-standard control port (2121)
 * needs the helper attached to 2121; a rule set that attaches it to 21 only (as most written
 * "for FTP" do) lets the control connection through and blocks every data connection.
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *                                                          rule set under test         vsftpd :2121, passive 50000-50010
 *
 * Every rule set has forward policy drop, accepts established traffic and new connections to
 * the control port. Verified on Linux 6.x, nftables 1.0.6, iptables 1.8.9 (nf_tables), vsftpd 3.0.3.
 *
 *   rule set                 PORT     EPRT     PASV     EPSV      why
 *   helper-on-2121           pass     pass     pass     pass      ct helper set on the real control port
 *   helper-on-21-and-2121    pass     pass     pass     pass      one set covers both ports
 *   iptables-ct-helper-2121  pass     pass     pass     pass      raw CT --helper ftp on --dport 2121
 *   helper-on-21-only        blocked  blocked  blocked  blocked   the 2121 control connection has no helper
 */
import { fileURLToPath } from 'node:url';
import { defineTruthTable } from '../../harness/suite/suite-kit.ts';

// The helper decides all or nothing here: one expectation for every mode of a rule set.
defineTruthTable({
  suite: 'ftp-port-2121',
  suiteDir: fileURLToPath(new URL('.', import.meta.url)),
  topology: 'routed-2121',
  rows: [
    ['rulesets/helper-on-2121.nft', ['pass', 'pass', 'pass', 'pass']],
    ['rulesets/helper-on-21-and-2121.nft', ['pass', 'pass', 'pass', 'pass']],
    ['rulesets/iptables-ct-helper-2121.rules', ['pass', 'pass', 'pass', 'pass']],
    ['rulesets/helper-on-21-only.nft', ['blocked', 'blocked', 'blocked', 'blocked']],
  ],
  tags: ['@port'],
});
