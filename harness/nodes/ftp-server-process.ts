/**
 * What every FTP server software has in common once it is configured: the anonymous FTP root
 * (a test file of known sha256 and an upload directory), the server process started so that its
 * pid inside the node is known, readiness by its listening socket, ending sessions, and a clean
 * stop. A software module (vsftpd-server.ts, pure-ftpd-server.ts, proftpd-server.ts) only writes
 * its configuration and names its command line.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { NodeHandle } from '../drivers/driver.ts';
import { waitFor } from '../exec.ts';
import type { ServerKind } from '../model.ts';
import type { FtpServer, FtpServerInfo, FtpServerSettings } from './ftp-server.ts';

const TEST_FILE = 'pinhole-test.bin';
/** Large enough to span many TCP segments and windows, small enough to cost milliseconds. */
const TEST_FILE_BYTES = 256 * 1024;
const READY_TIMEOUT_MS = 5000;

async function mustExec(node: NodeHandle, argv: string[]): Promise<void> {
  const r = await node.exec(argv);
  if (r.code !== 0) throw new Error(`node ${node.name}: ${argv.join(' ')}: ${r.stderr.trim()}`);
}

/**
 * The anonymous root every server serves: owned by root with the test file in it (servers refuse
 * or restrict a root the anonymous user can write to), and `upload/` owned by the node's `ftp`
 * user, where STOR goes.
 */
export async function prepareFtpRoot(node: NodeHandle, settings: FtpServerSettings): Promise<{ root: string; info: FtpServerInfo }> {
  const root = join(node.workDir, 'ftp-root');
  const uploadDir = join(root, 'upload');
  await mustExec(node, ['mkdir', '-p', uploadDir]);
  // Inside the node: a container's `ftp` user need not have the host's uid.
  await mustExec(node, ['chown', 'ftp:ftp', uploadDir]);
  const content = randomBytes(TEST_FILE_BYTES);
  await node.writeFile(join(root, TEST_FILE), content);
  return {
    root,
    info: {
      node: node.name,
      port: settings.port,
      user: 'anonymous',
      password: 'pinhole@',
      testFile: { path: `/${TEST_FILE}`, sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length },
      uploadDir,
    },
  };
}

/** A started server: its process as the harness holds it, and its pid as the node sees it. */
export interface LaunchedServer {
  child: ChildProcess;
  /** Inside a container this differs from the host's pid of `child`. */
  pidInNode: number;
}

export interface LaunchRequest {
  software: ServerKind;
  /** The server in the foreground; it must keep the pid it is started with (exec, no fork). */
  argv: string[];
  port: number;
  /** The server's own logs, quoted in errors. */
  logFiles: string[];
  /** Quoted in errors, so a reader finds what the server was told. */
  configFile?: string;
}

/**
 * Starts the server and waits until it listens on its port. The constant script prints its own
 * pid, then becomes the server (same pid); arguments travel as argv ("$0" "$@"), never
 * interpolated into the script. Errors name the node and quote the server's stderr and log.
 */
export async function launchServer(node: NodeHandle, req: LaunchRequest): Promise<LaunchedServer> {
  const [program, ...args] = req.argv;
  if (!program) throw new Error(`${req.software}: empty command line`);
  // stdin from /dev/null: the harness's pipes are socketpairs, and a server that finds a socket
  // on stdin (pure-ftpd) takes it for a connection handed over by inetd and serves only that.
  const child = node.spawn(['sh', '-c', 'echo $$; exec "$0" "$@" </dev/null', program, ...args]);
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdout?.on('data', (d) => (stdout += d));
  // 'exit' can come before the last of stderr; 'close' comes after the pipes are drained.
  const closed = new Promise((r) => child.once('close', r));
  const pid = () => Number(stdout.split('\n')[0]) || undefined;
  const where = `${req.software} in node ${node.name}`;
  const evidence = async () => {
    const logs = await Promise.all(
      req.logFiles.map(async (file) => {
        const tail = await node.exec(['tail', '-n', '20', file]).catch(() => undefined);
        return tail?.code === 0 && tail.stdout.trim() && `log ${file}: ${tail.stdout.trim()}`;
      }),
    );
    return [stderr.trim() && `stderr: ${stderr.trim()}`, ...logs, req.configFile && `config ${req.configFile}`].filter(Boolean).join('; ') || 'no output';
  };
  try {
    await waitFor(
      `${where} to listen on port ${req.port}`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          await closed;
          throw new Error(`${where} exited ${child.exitCode ?? child.signalCode} before listening on port ${req.port}`);
        }
        const r = await node.exec(['ss', '-Hltn', `sport = :${req.port}`]);
        return r.stdout.trim() !== '' && pid() !== undefined;
      },
      { timeoutMs: READY_TIMEOUT_MS },
    );
  } catch (err) {
    await stopChild(node, child, pid());
    throw new Error(`${(err as Error).message} (${await evidence()})`);
  }
  return { child, pidInNode: pid()! };
}

const STOP_TIMEOUT_MS = 3000;

/**
 * SIGTERM inside the node, then wait until the harness's child exits; SIGKILL when the server
 * does not go within the deadline. The signal goes to the pid in the node, never to the child
 * itself: on docker the child is the `docker exec` client, which does not pass signals on and
 * exits only once the server has, so its exit is the proof the listener is gone.
 */
async function stopChild(node: NodeHandle, child: ChildProcess, pidInNode: number | undefined): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<boolean>((r) => child.once('exit', () => r(true)));
  const signal = async (sig: 'TERM' | 'KILL') => {
    if (pidInNode !== undefined) await node.exec(['kill', `-${sig}`, String(pidInNode)]).catch(() => undefined);
    else child.kill(`SIG${sig}`);
  };
  await signal('TERM');
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([gone, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), STOP_TIMEOUT_MS)))]);
  clearTimeout(timer);
  if (!inTime) {
    await signal('KILL');
    child.kill('SIGKILL');
    await gone;
  }
}

/**
 * Kills every descendant of a pid, deepest first, and leaves the pid itself: the listener
 * survives, every session (and a privilege-separated helper under it) goes.
 */
const KILL_DESCENDANTS = 'kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; kill -KILL "$c" 2>/dev/null; done; }; kill_tree "$1"';

/** The FtpServer role on top of a launched process; subclasses add their software's configuration. */
export abstract class FtpServerProcess implements FtpServer {
  abstract readonly kind: ServerKind;

  protected constructor(
    protected readonly node: NodeHandle,
    readonly info: FtpServerInfo,
    /** Usually one listener; a server that needs one per port (vsftpd's implicit FTPS) has more. */
    private readonly listeners: LaunchedServer[],
    readonly logFile: string,
  ) {}

  /** The listeners' pids as the node sees them (to check which program really answers). */
  get pids(): number[] {
    return this.listeners.map((l) => l.pidInNode);
  }

  async storedSha256(name: string): Promise<string | undefined> {
    const r = await this.node.exec(['sha256sum', join(this.info.uploadDir, name)]);
    return r.code === 0 ? r.stdout.split(' ')[0] : undefined;
  }

  /** Sessions are forked children of the listener (with a helper process of their own for some servers). */
  async endSessions(): Promise<void> {
    await Promise.all(this.listeners.map((l) => this.node.exec(['sh', '-c', KILL_DESCENDANTS, 'end-sessions', String(l.pidInNode)])));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await stopListeners(this.node, this.listeners);
  }
}

/** Stops listeners already started (a later one failing to start, or the server disposed). */
export async function stopListeners(node: NodeHandle, listeners: readonly LaunchedServer[]): Promise<void> {
  await Promise.all(listeners.map((l) => stopChild(node, l.child, l.pidInNode)));
}
