/**
 * ftp-frontends: the firewall as users' tools write it. Each row is a configuration as its
 * owner keeps it in a repository (configs/), rendered by the real frontend from its Debian
 * package in a throw-away namespace (harness/frontends/), then applied like any rule set: the
 * field failures reported against each frontend since Linux 6.0 stopped attaching helpers by
 * itself, and their fixes in the frontend's own terms. Every configuration renders both
 * families the frontend writes, and the topology has both: IPv4 in all four modes, IPv6 in EPRT
 * and EPSV.
 *
 *   client 192.168.10.10/24   --lan--  lan0 192.168.10.254/24   [fw] wan0 203.0.113.254/24   --wan--  server 203.0.113.10/24
 *          2001:db8:10::10/64               2001:db8:10::254/64           2001:db8:20::254/64               2001:db8:20::10/64
 *   client host firewall (firewalld)        router (firewalld, ferm, FireHOL, Shorewall)        server host firewall (ufw)
 *                                                                                               vsftpd :21, passive 50000-50010
 *
 * Verified on Linux 6.18 with firewalld 1.3.3, ufw 0.36.2, ferm 2.5.1, FireHOL 3.1.7 and
 * Shorewall 5.2.8 (Debian 12), iptables 1.8.9 (nf_tables), vsftpd 3.0.3 and curl 7.88.1, by hand
 * first (each configuration rendered in the sandbox, loaded into namespaces, a RETR checked by
 * sha256 in every mode, twice), then by pinhole:
 *
 *   rule set                        IPv4 PORT  IPv4 EPRT  IPv4 PASV  IPv4 EPSV  IPv6 EPRT  IPv6 EPSV  why
 *   firewalld-router-ftp-service    pass       pass       pass       pass       pass       pass       on fw: a policy internal -> external with
 *                                                                                                     the ftp service sets the helper in its
 *                                                                                                     forward chain
 *   firewalld-router-port-21        blocked    blocked    blocked    blocked    blocked    blocked    on fw: the same policy opening port 21
 *                                                                                                     alone: no helper, data rejected icmpx
 *                                                                                                     admin-prohibited by the zone
 *   firewalld-client-ftp-service    blocked    blocked    pass       pass       blocked    pass       on the client, firewalld#1049: a zone's
 *                                                                                                     ftp service acts on what arrives; the
 *                                                                                                     client's own control connection gets no
 *                                                                                                     helper, so active data is NEW and the
 *                                                                                                     zone rejects it
 *   firewalld-client-ftp-policy     pass       pass       pass       pass       pass       pass       on the client: a policy HOST -> public with
 *                                                                                                     the ftp service sets the helper in the
 *                                                                                                     output path
 *   ufw-server-no-helper            pass       pass       blocked    blocked    pass       blocked    on the server: `ufw allow 21/tcp`, and
 *                                                                                                     IPT_MODULES attaches nothing: passive data
 *                                                                                                     is NEW, the input policy drops it
 *   ufw-server-ct-helper            pass       pass       pass       pass       pass       pass       on the server: a raw `CT --helper ftp`
 *                                                                                                     rule in before.rules and before6.rules
 *   ferm-router-no-helper           blocked    blocked    blocked    blocked    blocked    blocked    on fw: established, related and port 21
 *                                                                                                     only: data is NEW
 *   ferm-router-ct-helper           pass       pass       pass       pass       pass       pass       on fw: `CT helper ftp` in table raw
 *   firehol-router-kernel-helpers   blocked    blocked    blocked    blocked    blocked    blocked    on fw, firehol#241: the default helper
 *                                                                                                     mode relies on the nf_conntrack_helper
 *                                                                                                     sysctl, gone since Linux 6.0
 *   firehol-router-firehol-helpers  pass       pass       pass       pass       pass       pass       on fw: FIREHOL_CONNTRACK_HELPERS_ASSIGNMENT
 *                                                                                                     ="firehol" writes raw CT rules
 *   shorewall-router-ftp-macro      pass       pass       pass       pass       pass       pass       on fw: FTP(ACCEPT), the macro attaches
 *                                                                                                     the helper
 *   shorewall-router-plain-port     blocked    blocked    blocked    blocked    blocked    blocked    on fw: ACCEPT tcp 21 without the macro:
 *                                                                                                     no helper; data rejected with a TCP RST
 *                                                                                                     or dropped
 *   shorewall-router-autohelpers    pass       pass       pass       pass       pass       pass       on fw: AUTOHELPERS=Yes, every helper the
 *                                                                                                     kernel has attached by port in raw
 *                                                                                                     PREROUTING and OUTPUT, and the
 *                                                                                                     two-interfaces sample's lan -> wan
 *                                                                                                     ACCEPT: the helper-scope attack gets in
 *                                                                                                     through the IRC helper (ftp-security's
 *                                                                                                     known-bad)
 */
import { fileURLToPath } from 'node:url';
import type { Expectation, FrontendKind } from '../../harness/model.ts';
import { defineTruthTable } from '../../harness/suite/suite-kit.ts';

const SUITE = 'ftp-frontends';
const TOPOLOGY = 'routed-dualstack';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));

const P: Expectation = 'pass';
const B: Expectation = 'blocked';

type Row = readonly [config: string, ipv4: readonly [Expectation, Expectation, Expectation, Expectation], ipv6: readonly [Expectation, Expectation]];

/** One frontend's configurations on one node: IPv4 in four modes, IPv6 in the two that carry its addresses. */
function frontendTables(frontend: FrontendKind, on: string | undefined, rows: readonly Row[]): void {
  const common = { suite: SUITE, suiteDir: SUITE_DIR, topology: TOPOLOGY, frontend, commands: ['RETR'] as const, tags: ['@frontend', `@${frontend}`], ...(on ? { on } : {}) };
  defineTruthTable({ ...common, family: 'ipv4', rows: rows.map(([config, v4]) => [config, v4] as const) });
  defineTruthTable({ ...common, family: 'ipv6', modes: ['EPRT', 'EPSV'] as const, rows: rows.map(([config, , v6]) => [config, v6] as const) });
}

// Tables on one node one after the other: a worker brings up a lab per node (fw, client, server).
frontendTables('firewalld', undefined, [
  ['configs/firewalld-router-ftp-service', [P, P, P, P], [P, P]],
  ['configs/firewalld-router-port-21', [B, B, B, B], [B, B]],
]);
frontendTables('ferm', undefined, [
  ['configs/ferm-router-no-helper/ferm.conf', [B, B, B, B], [B, B]],
  ['configs/ferm-router-ct-helper/ferm.conf', [P, P, P, P], [P, P]],
]);
frontendTables('firehol', undefined, [
  ['configs/firehol-router-kernel-helpers/firehol.conf', [B, B, B, B], [B, B]],
  ['configs/firehol-router-firehol-helpers/firehol.conf', [P, P, P, P], [P, P]],
]);
frontendTables('shorewall', undefined, [
  ['configs/shorewall-router-ftp-macro/shorewall', [P, P, P, P], [P, P]],
  ['configs/shorewall-router-plain-port/shorewall', [B, B, B, B], [B, B]],
  ['configs/shorewall-router-autohelpers/shorewall', [P, P, P, P], [P, P]],
]);
frontendTables('firewalld', 'client', [
  ['configs/firewalld-client-ftp-service', [B, B, P, P], [B, P]],
  ['configs/firewalld-client-ftp-policy', [P, P, P, P], [P, P]],
]);
frontendTables('ufw', 'server', [
  ['configs/ufw-server-no-helper', [P, P, B, B], [P, B]],
  ['configs/ufw-server-ct-helper', [P, P, P, P], [P, P]],
]);
