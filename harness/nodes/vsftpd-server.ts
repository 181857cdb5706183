/**
 * A real vsftpd in the server node: anonymous download of a test file of known sha256, an
 * upload directory for STOR, the topology's control port and pinned passive range.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { waitFor } from '../exec.ts';
import type { NodeHandle } from '../drivers/driver.ts';

export interface FtpServerSettings {
  port: number;
  passivePorts: { min: number; max: number };
  /** Announced in 227 replies instead of the server's own address (behind a port forward). */
  pasvAddress?: string | undefined;
  /** The server has an IPv6 address: listen on both families. */
  listenIpv6?: boolean;
}

/** What a client needs to know to use the server and check its transfers. */
export interface FtpServerInfo {
  node: string;
  port: number;
  user: string;
  password: string;
  testFile: { path: string; sha256: string; bytes: number };
  uploadDir: string;
}

const TEST_FILE = 'pinhole-test.bin';
/** Large enough to span many TCP segments and windows, small enough to cost milliseconds. */
const TEST_FILE_BYTES = 256 * 1024;

function vsftpdConfig(s: FtpServerSettings, root: string, emptyDir: string, log: string): string {
  return [
    // Standalone, in the foreground, so the harness owns the process and sees it die.
    // vsftpd takes one listener: `listen_ipv6` opens one dual-stack socket (IPv4 clients arrive
    // as IPv4-mapped addresses and get the same PORT/PASV answers as on `listen`).
    ...(s.listenIpv6 ? ['listen=NO', 'listen_ipv6=YES'] : ['listen=YES', 'listen_ipv6=NO']),
    'background=NO',
    `listen_port=${s.port}`,
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
    '',
  ].join('\n');
}

export class VsftpdServer implements AsyncDisposable {
  /** vsftpd's pid as the node sees it (inside a container that differs from the host's). */
  private pidInNode: number | undefined;

  private constructor(
    readonly info: FtpServerInfo,
    private readonly process: ChildProcess,
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

    // The constant script prints its own pid, then becomes vsftpd (same pid); arguments are
    // passed as argv ("$0" "$@"), never interpolated into the script.
    const child = node.spawn(['sh', '-c', 'echo $$; exec "$0" "$@"', 'vsftpd', conf]);
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (d) => (stderr += d));
    child.stdout?.on('data', (d) => (stdout += d));
    const server = new VsftpdServer(
      {
        node: node.name,
        port: settings.port,
        user: 'anonymous',
        password: 'pinhole@',
        testFile: { path: `/${TEST_FILE}`, sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length },
        uploadDir: join(root, 'upload'),
      },
      child,
      log,
    );
    try {
      await waitFor(
        `vsftpd to listen on port ${settings.port} in node ${node.name}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`vsftpd in node ${node.name} exited ${child.exitCode}: ${stderr.trim()} (config ${conf})`);
          const r = await node.exec(['ss', '-Hltn', `sport = :${settings.port}`]);
          server.pidInNode = Number(stdout.split('\n')[0]) || undefined;
          return r.stdout.trim() !== '' && server.pidInNode !== undefined;
        },
        { timeoutMs: 5000 },
      );
    } catch (err) {
      await server[Symbol.asyncDispose]();
      throw err;
    }
    return server;
  }

  /** sha256 of a file a STOR left in the upload directory (checked inside the node). */
  static async storedSha256(node: NodeHandle, info: FtpServerInfo, name: string): Promise<string | undefined> {
    const r = await node.exec(['sha256sum', join(info.uploadDir, name)]);
    return r.code === 0 ? r.stdout.split(' ')[0] : undefined;
  }

  /**
   * Ends every FTP session but keeps the listener: an aborted cell's session may still be
   * dialling its data connection, and must not send packets into the next cell. vsftpd's
   * session processes die with their parent process (it sets a parent-death signal).
   */
  async endSessions(node: NodeHandle): Promise<void> {
    if (this.pidInNode !== undefined) await node.exec(['pkill', '-KILL', '-P', String(this.pidInNode)]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const gone = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGTERM');
    await gone;
  }
}
