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

function vsftpdConfig(s: FtpServerSettings, root: string, emptyDir: string, log: string): string {
  return [
    // Standalone, in the foreground, so the harness owns the process and sees it die.
    'listen=YES',
    'listen_ipv6=NO',
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

export class VsftpdServer implements FtpServer {
  readonly kind = 'vsftpd';
  /** vsftpd's pid as the node sees it (inside a container that differs from the host's). */
  private pidInNode: number | undefined;

  private constructor(
    private readonly node: NodeHandle,
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
      node,
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

  async storedSha256(name: string): Promise<string | undefined> {
    const r = await this.node.exec(['sha256sum', join(this.info.uploadDir, name)]);
    return r.code === 0 ? r.stdout.split(' ')[0] : undefined;
  }

  /** vsftpd's session processes are its children and die with them (it sets a parent-death signal). */
  async endSessions(): Promise<void> {
    if (this.pidInNode !== undefined) await this.node.exec(['pkill', '-KILL', '-P', String(this.pidInNode)]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const gone = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGTERM');
    await gone;
  }
}
