/**
 * A real proftpd in the server node, configured like vsftpd: anonymous only, the test file to
 * download, `upload/` for STOR, the topology's control port, pinned passive range and announced
 * passive address (MasqueradeAddress), and AllowForeignAddress off.
 *
 * proftpd 1.3.8 answers a PORT/EPRT naming another host than the control peer with `200` and
 * then dials the control peer's address instead (observed; vsftpd and pure-ftpd refuse with
 * 500): bounce protection all the same, but a different failure behind a masquerading firewall.
 *
 * proftpd runs as inetd runs it (`ServerType inetd`, one process per connection, started by
 * inetd-acceptor.mjs): the standalone daemon of 1.3.8 delays its next accept by about 0.4 s after
 * every session (why: inetd-acceptor.mjs); each session is served the same way either way.
 *
 * Every file proftpd writes (pid, scoreboard, logs) is in the node's directory, and the host
 * facilities it would use by default (wtmp, lastlog, PAM, /etc/ftpusers, the controls socket,
 * the delay table) are switched off, so nothing outside the run directory changes.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeHandle } from '../drivers/driver.ts';
import type { FtpServerSettings } from './ftp-server.ts';
import type { TlsCertificate } from './tls-certificate.ts';
import { bundleFile } from './ftp-server-bundle.ts';
import { FtpServerProcess, launchServer, prepareFtpRoot } from './ftp-server-process.ts';

const INETD = fileURLToPath(new URL('./inetd-acceptor.mjs', import.meta.url));
/** Plenty for one FTP session (control, data, log, config, TLS files). */
const SESSION_OPEN_FILES = 256;

/** proftpd quotes a value with spaces; the values here are paths and addresses pinhole made. */
function proftpdConfig(s: FtpServerSettings, p: { root: string; work: string; modules: string; log: string; xferLog: string }): string {
  return [
    // Started per connection by inetd-acceptor.mjs (why: there).
    'ServerType inetd',
    'ServerName "pinhole"',
    'DefaultServer on',
    // Without it proftpd resolves the host's own name for the server's address, by DNS when
    // /etc/hosts lacks it: a query out of the node, and 5 s per connection until it times out.
    ...(s.addresses?.length ? [`DefaultAddress ${s.addresses.join(' ')}`] : []),
    `Port ${s.port}`,
    // One socket for IPv4 and IPv6, like pure-ftpd's two.
    'UseIPv6 on',
    'User nobody',
    'Group nogroup',
    'Umask 022',
    // The bundle's modules, not the compiled-in /usr/lib/proftpd (nothing is installed there).
    // None is loaded yet; FTPS (mod_tls) will be.
    `ModulePath ${p.modules}`,
    `PidFile ${join(p.work, 'proftpd.pid')}`,
    `ScoreboardFile ${join(p.work, 'proftpd.scoreboard')}`,
    `SystemLog ${p.log}`,
    `TransferLog ${p.xferLog}`,
    'WtmpLog off',
    'UseLastlog off',
    'AuthPAM off',
    'UseFtpUsers off',
    'ControlsEngine off',
    // mod_delay pads USER/PASS against timing attacks: it only slows cells down.
    'DelayEngine off',
    'UseReverseDNS off',
    // mod_lang looks for a translation of proftpd in every locale on the node, per session.
    'LangEngine off',
    `PassivePorts ${s.passivePorts.min} ${s.passivePorts.max}`,
    ...(s.pasvAddress ? [`MasqueradeAddress ${s.pasvAddress}`] : []),
    // Bounce protection (the default, stated so it is visible).
    'AllowForeignAddress off',
    // Active data connections from port 20 (L-1), like vsftpd's connect_from_port_20: proftpd
    // 1.3.8 otherwise dials from an ephemeral port (observed), as it does once root is revoked.
    'RootRevoke off',
    `<Anonymous ${p.root}>`,
    '  User ftp',
    '  Group ftp',
    '  UserAlias anonymous ftp',
    // The ftp user's shell is nologin.
    '  RequireValidShell off',
    // Looked up in the <Anonymous> context once a session is anonymous.
    '  AllowForeignAddress off',
    '</Anonymous>',
    ...(s.tls ? tlsLines(s.tls.cert, p.work) : []),
    '',
  ].join('\n');
}

/**
 * FTPS with mod_tls (from the bundle's proftpd-mod-crypto), offered but not forced, so plain and
 * TLS cells share one server. proftpd, unlike vsftpd and pure-ftpd, answers CCC: the control
 * channel goes back to clear text after login while data stays protected. Data connections must
 * resume the control connection's TLS session (mod_tls's default, kept).
 */
function tlsLines(cert: TlsCertificate, work: string): string[] {
  return [
    'LoadModule mod_tls.c',
    'TLSEngine on',
    'TLSRequired off',
    `TLSECCertificateFile ${cert.certFile}`,
    `TLSECCertificateKeyFile ${cert.keyFile}`,
    // Without a CA file mod_tls loads the system's whole CA bundle in every session (a few
    // hundred certificates parsed per connection), to verify clients it never asks to verify.
    `TLSCACertificateFile ${cert.certFile}`,
    'TLSProtocol TLSv1.2 TLSv1.3',
    `TLSLog ${join(work, 'proftpd-tls.log')}`,
    'TLSRenegotiate none',
  ];
}

export class ProftpdServer extends FtpServerProcess {
  readonly kind = 'proftpd';

  static async start(node: NodeHandle, settings: FtpServerSettings): Promise<ProftpdServer> {
    const binary = await bundleFile('proftpd', 'usr/sbin/proftpd');
    const modules = await bundleFile('proftpd', 'usr/lib/proftpd');
    const { root, info } = await prepareFtpRoot(node, settings);
    const log = join(node.workDir, 'proftpd.log');
    const conf = join(node.workDir, 'proftpd.conf');
    await node.writeFile(conf, proftpdConfig(settings, { root, work: node.workDir, modules, log, xferLog: join(node.workDir, 'proftpd-xfer.log') }));
    // The listener is the acceptor; every session is a proftpd of its own, a child of it.
    // prlimit: proftpd closes every descriptor up to its open-files limit before anything else
    // (measured: 38 ms of a 70 ms session under a limit of 20000; Docker's default of 1048576
    // would make it seconds), and the acceptor's children inherit the acceptor's limit.
    const argv = ['prlimit', `--nofile=${SESSION_OPEN_FILES}`, '--', 'node', INETD, String(settings.port), binary, '-c', conf];
    const launched = await launchServer(node, { software: 'proftpd', argv, port: settings.port, logFiles: [log], configFile: conf });
    // No implicit FTPS: mod_tls offers it only per virtual host, and one listener is enough to
    // show what TLS does to the helper; CCC is what proftpd adds.
    const tls = settings.tls ? { tls: { ca: settings.tls.cert.pem, ccc: true } } : {};
    return new ProftpdServer(node, { ...info, ...tls }, [launched], log);
  }
}
