/**
 * A real vsftpd in the server node: anonymous download of a test file of known sha256, an
 * upload directory for STOR, the topology's control port and pinned passive range.
 */
import { join } from 'node:path';
import type { NodeHandle } from '../drivers/driver.ts';
import type { FtpServerSettings } from './ftp-server.ts';
import { FtpServerProcess, launchServer, prepareFtpRoot, stopListeners, type LaunchedServer } from './ftp-server-process.ts';

/**
 * FTPS, offered but not forced, so plain and TLS cells share one server: anonymous sessions may
 * use TLS, data is protected when the client asks (PROT P). vsftpd 3.0.3's default cipher list
 * (DES-CBC3-SHA) is refused by OpenSSL 3, hence an explicit list. Data connections must resume
 * the control connection's TLS session (vsftpd's default, kept: it is what real servers demand).
 */
function tlsLines(tls: NonNullable<FtpServerSettings['tls']>, implicit: boolean): string[] {
  return [
    'ssl_enable=YES',
    'allow_anon_ssl=YES',
    'force_anon_logins_ssl=NO',
    'force_anon_data_ssl=NO',
    `rsa_cert_file=${tls.cert.certFile}`,
    `rsa_private_key_file=${tls.cert.keyFile}`,
    'ssl_ciphers=HIGH',
    'require_ssl_reuse=YES',
    ...(implicit ? ['implicit_ssl=YES'] : []),
  ];
}

function vsftpdConfig(s: FtpServerSettings, root: string, emptyDir: string, log: string, implicit = false): string {
  return [
    // Standalone, in the foreground, so the harness owns the process and sees it die.
    // vsftpd takes one listener: `listen_ipv6` opens one dual-stack socket (IPv4 clients arrive
    // as IPv4-mapped addresses and get the same PORT/PASV answers as on `listen`).
    ...(s.listenIpv6 ? ['listen=NO', 'listen_ipv6=YES'] : ['listen=YES', 'listen_ipv6=NO']),
    'background=NO',
    `listen_port=${implicit && s.tls ? s.tls.implicitPort : s.port}`,
    'anonymous_enable=YES',
    'local_enable=NO',
    'no_anon_password=YES',
    `anon_root=${root}`,
    'write_enable=YES',
    'anon_upload_enable=YES',
    'anon_mkdir_write_enable=NO',
    'anon_umask=022',
    'dirlist_enable=YES',
    'pasv_enable=YES',
    `pasv_min_port=${s.passivePorts.min}`,
    `pasv_max_port=${s.passivePorts.max}`,
    ...(s.pasvAddress ? [`pasv_address=${s.pasvAddress}`] : []),
    'port_enable=YES',
    // Active data connections come from port 20, as the firewall rules people write expect.
    'connect_from_port_20=YES',
    // Bounce protection (the default, stated so it is visible): PORT/EPRT must name the control peer.
    'port_promiscuous=NO',
    'pasv_promiscuous=NO',
    `secure_chroot_dir=${emptyDir}`,
    // The seccomp sandbox and vsftpd's own network isolation get in the way inside namespaces.
    'seccomp_sandbox=NO',
    'isolate_network=NO',
    'nopriv_user=ftp',
    'ftp_username=ftp',
    'syslog_enable=NO',
    `vsftpd_log_file=${log}`,
    'log_ftp_protocol=YES',
    'xferlog_enable=YES',
    'ftpd_banner=pinhole vsftpd ready',
    'hide_ids=YES',
    ...(s.tls ? tlsLines(s.tls, implicit) : []),
    '',
  ].join('\n');
}

export class VsftpdServer extends FtpServerProcess {
  readonly kind = 'vsftpd';

  static async start(node: NodeHandle, settings: FtpServerSettings): Promise<VsftpdServer> {
    const { root, info } = await prepareFtpRoot(node, settings);
    const empty = join(node.workDir, 'vsftpd-empty');
    const log = join(node.workDir, 'vsftpd.log');
    const conf = join(node.workDir, 'vsftpd.conf');
    const mkdir = await node.exec(['mkdir', '-p', empty]);
    if (mkdir.code !== 0) throw new Error(`node ${node.name}: mkdir ${empty}: ${mkdir.stderr.trim()}`);
    await node.writeFile(conf, vsftpdConfig(settings, root, empty, log));

    const launch = (config: string, port: number, logFile: string, role?: string) =>
      launchServer(node, { software: 'vsftpd', argv: ['vsftpd', config], port, logFiles: [logFile], configFile: config, ...(role ? { role } : {}) });
    const launches = [launch(conf, settings.port, log)];
    // Implicit FTPS is a listener of its own in vsftpd (implicit_ssl applies to a whole instance).
    // Both start at once; if either does not, the other is stopped again. A topology whose control
    // port is implicit FTPS's own has them race for one port: the control port's listener goes
    // first, so the one that fails is always the same (the implicit one) and so is the cause.
    if (settings.tls) {
      const implicitConf = join(node.workDir, 'vsftpd-implicit.conf');
      const implicitLog = join(node.workDir, 'vsftpd-implicit.log');
      await node.writeFile(implicitConf, vsftpdConfig(settings, root, empty, implicitLog, true));
      if (settings.tls.implicitPort === settings.port) await Promise.allSettled(launches);
      launches.push(launch(implicitConf, settings.tls.implicitPort, implicitLog, 'implicit FTPS listener'));
    }
    const launched = await Promise.allSettled(launches);
    const listeners: LaunchedServer[] = launched.flatMap((l) => (l.status === 'fulfilled' ? [l.value] : []));
    const failed = launched.find((l) => l.status === 'rejected');
    if (failed) {
      await stopListeners(node, listeners);
      throw failed.reason;
    }
    // vsftpd has no CCC.
    const tls = settings.tls ? { tls: { ca: settings.tls.cert.pem, implicitPort: settings.tls.implicitPort, ccc: false } } : {};
    return new VsftpdServer(node, { ...info, ...tls }, listeners, log);
  }
}
