/**
 * ftp-clients: the ftp-stateful rule sets again, with the transfers made by real clients (curl
 * and lftp) instead of the pinned probe: does the user's own client get through where the
 * probe does, and stay blocked where it is blocked?
 *
 *   client 192.168.10.10/24 --lan-- lan0 192.168.10.254/24 [fw] wan0 203.0.113.254/24 --wan-- server 203.0.113.10/24
 *   curl 7.88 / lftp 4.9                                   rule set under test          vsftpd :21, passive 50000-50010
 *
 * Rule sets: ../ftp-stateful/rulesets (forward policy drop, established traffic and new
 * connections to port 21 from lan0 to wan0 accepted). Each cell runs the client once, pinned
 * to one mode, and the harness stops it at the first traced drop, error reply to the mode
 * command, or fallback to another mode (harness/probes/curl-client.ts, lftp-client.ts).
 *
 * Modes each client can pin (IPv4):
 *   curl  PORT (-P - --disable-eprt), EPRT (-P -), PASV (--ftp-pasv --disable-epsv), EPSV (--ftp-pasv).
 *         Its fallbacks (EPRT -> PORT, EPSV -> PASV on an error reply or a failed EPSV data
 *         connection) cannot be turned off: they end the cell as a failure of the pinned mode.
 *   lftp  PORT (ftp:passive-mode off), PASV (prefer-epsv off), EPSV (prefer-epsv on, and only
 *         when FEAT lists EPSV), with ftp:auto-passive-mode off. No EPRT: lftp sends EPRT only
 *         for an IPv6 data socket, so it has no EPRT column.
 *
 * Verified on Linux 6.x, nftables 1.0.6, iptables 1.8.9 (nf_tables), vsftpd 3.0.3, curl 7.88.1,
 * lftp 4.9.2, on the netns and docker drivers; every cell was observed from real packets first.
 *
 *   client  rule set                  PORT     EPRT     PASV     EPSV      why
 *   curl    no-helper                 blocked  blocked  blocked  blocked   data connections are NEW, policy drops them
 *   curl    related-no-helper         blocked  blocked  blocked  blocked   nothing is RELATED without a helper
 *   curl    nft-helper                pass     pass     pass     pass      the helper parses curl's PORT/EPRT and the 227/229 replies
 *   curl    iptables-ct-helper        pass     pass     pass     pass      raw CT --helper ftp, RELATED -m helper accepted
 *   curl    helper-masquerade         pass     pass     pass     pass      nf_nat_ftp rewrites curl's PORT/EPRT to the public address
 *   curl    masquerade-no-helper      blocked  blocked  blocked  blocked   active: vsftpd refuses the private address (500; curl's
 *                                                                          fallback PORT after the refused EPRT is refused too);
 *                                                                          passive: NEW data connection dropped
 *   curl    passive-range-no-helper   blocked  blocked  pass     pass      only the pinned passive range is open
 *   curl    helper-wrong-port         blocked  blocked  blocked  blocked   helper on 2121, control on 21: no expectation
 *
 *   client  rule set                  PORT     PASV     EPSV      why
 *   lftp    no-helper                 blocked  blocked  blocked   data connections are NEW, policy drops them
 *   lftp    related-no-helper         blocked  blocked  blocked   nothing is RELATED without a helper
 *   lftp    nft-helper                pass     pass     pass      the helper parses lftp's PORT and the 227/229 replies
 *   lftp    iptables-ct-helper        pass     pass     pass      raw CT --helper ftp, RELATED -m helper accepted
 *   lftp    helper-masquerade         pass     pass     pass      nf_nat_ftp rewrites lftp's PORT to the public address
 *   lftp    masquerade-no-helper      blocked  blocked  blocked   active: vsftpd refuses the private address (500);
 *                                                                 passive: NEW data connection dropped
 *   lftp    passive-range-no-helper   blocked  pass     pass      only the pinned passive range is open
 *   lftp    helper-wrong-port         blocked  blocked  blocked   helper on 2121, control on 21: no expectation
 *
 * Against the probe (ftp-stateful): the same verdict and the same cause in every cell both
 * clients can pin. What the clients do differently does not change a verdict here: curl dials
 * the control connection's peer instead of the 227 address (--ftp-skip-pasv-ip, its default;
 * the same host on this topology); lftp sends FEAT, SIZE and MDTM first and may read the 226
 * of an active LIST before it accepts the data connection.
 */
import { fileURLToPath } from 'node:url';
import type { Expectation } from '../../harness/model.ts';
import { defineTruthTable } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-clients';
const TOPOLOGY = 'routed';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));
const RULESETS = '../ftp-stateful/rulesets/';
const COMMANDS = ['RETR', 'STOR', 'LIST'] as const;

const P: Expectation = 'pass';
const B: Expectation = 'blocked';

defineTruthTable({
  suite: SUITE,
  suiteDir: SUITE_DIR,
  topology: TOPOLOGY,
  client: 'curl',
  modes: ['PORT', 'EPRT', 'PASV', 'EPSV'],
  commands: COMMANDS,
  tags: ['@clients', '@curl'],
  rows: [
    [`${RULESETS}no-helper.nft`, [B, B, B, B]],
    [`${RULESETS}related-no-helper.nft`, [B, B, B, B]],
    [`${RULESETS}nft-helper.nft`, [P, P, P, P]],
    [`${RULESETS}iptables-ct-helper.rules`, [P, P, P, P]],
    [`${RULESETS}helper-masquerade.nft`, [P, P, P, P]],
    [`${RULESETS}masquerade-no-helper.nft`, [B, B, B, B]],
    [`${RULESETS}passive-range-no-helper.nft`, [B, B, P, P]],
    [`${RULESETS}helper-wrong-port.nft`, [B, B, B, B]],
  ],
});

defineTruthTable({
  suite: SUITE,
  suiteDir: SUITE_DIR,
  topology: TOPOLOGY,
  client: 'lftp',
  modes: ['PORT', 'PASV', 'EPSV'],
  commands: COMMANDS,
  tags: ['@clients', '@lftp'],
  rows: [
    [`${RULESETS}no-helper.nft`, [B, B, B]],
    [`${RULESETS}related-no-helper.nft`, [B, B, B]],
    [`${RULESETS}nft-helper.nft`, [P, P, P]],
    [`${RULESETS}iptables-ct-helper.rules`, [P, P, P]],
    [`${RULESETS}helper-masquerade.nft`, [P, P, P]],
    [`${RULESETS}masquerade-no-helper.nft`, [B, B, B]],
    [`${RULESETS}passive-range-no-helper.nft`, [B, P, P]],
    [`${RULESETS}helper-wrong-port.nft`, [B, B, B]],
  ],
});
