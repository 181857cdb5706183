/**
 * A real vsftpd in the server node: anonymous download of a test file of known sha256, an
 * upload directory for STOR, the topology's control port and pinned passive range.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { waitFor } from '../exec.ts';
import type { NodeHandle } from '../drivers/driver.ts';
import type { FtpServer, FtpServerInfo, FtpServerSettings } from './ftp-server.ts';

const TEST_FILE = 'pinhole-test.bin';
/** Large enough to span many TCP segments and windows, small enough to cost milliseconds. */
const TEST_FILE_BYTES = 256 * 1024;

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

/** One vsftpd process (pid as the node sees it), listening and ready. */
interface Instance {
  process: ChildProcess;
  pidInNode: number;
}

/**
 * Starts vsftpd on a config and waits until it listens. The constant script prints its own pid,
 * then becomes vsftpd (same pid); arguments are passed as argv ("$0" "$@"), never interpolated.
 */
async function launch(node: NodeHandle, conf: string, port: number): Promise<Instance> {
  const child = node.spawn(['sh', '-c', 'echo $$; exec "$0" "$@"', 'vsftpd', conf]);
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdout?.on('data', (d) => (stdout += d));
  try {
    let pidInNode: number | undefined;
    await waitFor(
      `vsftpd to listen on port ${port} in node ${node.name}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`vsftpd in node ${node.name} exited ${child.exitCode}: ${stderr.trim()} (config ${conf})`);
        const r = await node.exec(['ss', '-Hltn', `sport = :${port}`]);
        pidInNode = Number(stdout.split('\n')[0]) || undefined;
        return r.stdout.trim() !== '' && pidInNode !== undefined;
      },
      { timeoutMs: 5000 },
    );
    return { process: child, pidInNode: pidInNode! };
  } catch (err) {
    await stop(child);
    throw err;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

export class VsftpdServer implements FtpServer {
  readonly kind = 'vsftpd';

  private constructor(
    private readonly node: NodeHandle,
    readonly info: FtpServerInfo,
    /** The plain/explicit-TLS listener, then the implicit-TLS one when FTPS is on. */
    private readonly instances: Instance[],
    readonly logFile: string,
  ) {}

  static async start(node: NodeHandle, settings: FtpServerSettings): Promise<VsftpdServer> {
    const root = join(node.workDir, 'ftp-root');
    const empty = join(node.workDir, 'vsftpd-empty');
    const log = join(node.workDir, 'vsftpd.log');
    const conf = join(node.workDir, 'vsftpd.conf');
    const mustExec = async (argv: string[]) => {
      const r = await node.exec(argv);
      if (r.code !== 0) throw new Error(`node ${node.name}: ${argv.join(' ')}: ${r.stderr.trim()}`);
    };
    // vsftpd refuses an anonymous root the ftp user can write to; uploads go to a subdirectory.
    await mustExec(['mkdir', '-p', join(root, 'upload'), empty]);
    await mustExec(['chown', 'ftp:ftp', join(root, 'upload')]);
    const content = randomBytes(TEST_FILE_BYTES);
    await node.writeFile(join(root, TEST_FILE), content);
    await node.writeFile(conf, vsftpdConfig(settings, root, empty, log));

    const instances = [await launch(node, conf, settings.port)];
    // Implicit FTPS is a listener of its own in vsftpd (implicit_ssl applies to a whole instance).
    if (settings.tls) {
      const implicitConf = join(node.workDir, 'vsftpd-implicit.conf');
      await node.writeFile(implicitConf, vsftpdConfig(settings, root, empty, join(node.workDir, 'vsftpd-implicit.log'), true));
      instances.push(await launch(node, implicitConf, settings.tls.implicitPort).catch(async (err) => {
        await stop(instances[0]!.process);
        throw err;
      }));
    }
    return new VsftpdServer(
      node,
      {
        node: node.name,
        port: settings.port,
        user: 'anonymous',
        password: 'pinhole@',
        testFile: { path: `/${TEST_FILE}`, sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length },
        uploadDir: join(root, 'upload'),
        // vsftpd has no CCC.
        ...(settings.tls ? { tls: { ca: settings.tls.cert.pem, implicitPort: settings.tls.implicitPort, ccc: false } } : {}),
      },
      instances,
      log,
    );
  }

  async storedSha256(name: string): Promise<string | undefined> {
    const r = await this.node.exec(['sha256sum', join(this.info.uploadDir, name)]);
    return r.code === 0 ? r.stdout.split(' ')[0] : undefined;
  }

  /** vsftpd's session processes are its children and die with them (it sets a parent-death signal). */
  async endSessions(): Promise<void> {
    await Promise.all(this.instances.map((i) => this.node.exec(['pkill', '-KILL', '-P', String(i.pidInNode)])));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.instances.map((i) => stop(i.process)));
  }
}
