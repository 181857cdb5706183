/**
 * What every FTP server software has in common once it is configured: the anonymous FTP root
 * (a test file of known sha256 and an upload directory), the server process started so that its
 * pid inside the node is known, readiness by its listening socket, ending sessions, and a clean
 * stop. A software module (vsftpd-server.ts, pure-ftpd-server.ts, proftpd-server.ts) only writes
 * its configuration and names its command line.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { NodeHandle } from '../drivers/driver.ts';
import { waitFor } from '../exec.ts';
import type { ServerSoftware } from '../model.ts';
import type { FtpServer, FtpServerInfo, FtpServerSettings } from './ftp-server.ts';
import { lastWord, NodeStartError } from './node-start-error.ts';

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
  const content = randomBytes(settings.testFileBytes ?? TEST_FILE_BYTES);
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
  software: ServerSoftware;
  child: ChildProcess;
  /** Inside a container this differs from the host's pid of `child`. */
  pidInNode: number;
  port: number;
  /** How the process ended (`killed by SIGKILL`, `exited 2`); undefined while it runs. */
  ended?: string;
}

export interface LaunchRequest {
  software: ServerSoftware;
  /** The server in the foreground; it must keep the pid it is started with (exec, no fork). */
  argv: string[];
  port: number;
  /** The server's own logs, quoted in errors. */
  logFiles: string[];
  /** Quoted in errors, so a reader finds what the server was told. */
  configFile?: string;
  /** Which of the software's listeners this is, when it runs several (`implicit FTPS listener`). */
  role?: string;
}

/**
 * `killed by SIGKILL`. On docker the harness's child is the `docker exec` client, which reports
 * a program killed by signal N as exit 128+N: named the same way.
 */
function howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
  const name = (n: number) => Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
  if (signal) return `killed by ${signal}`;
  if (code !== null && code > 128 && name(code - 128)) return `killed by ${name(code - 128)} (exit ${code})`;
  return `exited ${code}`;
}

/**
 * Whether the process with pid `pid` in the node listens on TCP `port` (`ss -p` names the
 * owner). The pid matters: another process of the node may hold the port, and a listening
 * socket seen there is no proof this server started. An owner `ss` may not read (a container's
 * root lacks CAP_SYS_PTRACE, and proftpd makes itself non-dumpable) counts as this server.
 */
export async function listensAs(node: NodeHandle, port: number, pid: number): Promise<boolean> {
  const r = await node.exec(['ss', '-Hltnp', `sport = :${port}`]);
  const sockets = r.stdout.split('\n').filter((l) => l.trim());
  return sockets.some((l) => l.includes(`pid=${pid},`) || !l.includes('users:'));
}

/**
 * Starts the server and waits until it listens on its port. The constant script prints its own
 * pid, then becomes the server (same pid); arguments travel as argv ("$0" "$@"), never
 * interpolated into the script. A server that does not start throws NodeStartError with its
 * stderr and log tails.
 */
export async function launchServer(node: NodeHandle, req: LaunchRequest): Promise<LaunchedServer> {
  const [program, ...args] = req.argv;
  if (!program) throw new Error(`${req.software}: empty command line`);
  // stdin from a file, not the harness's pipe: those are socketpairs, and a server that finds a
  // socket on stdin (pure-ftpd) takes it for a connection handed over by inetd and serves only
  // that. Opened read-write, because standalone vsftpd writes its dying words (`500 OOPS: could
  // not bind listening IPv4 socket`) to fd 0, its would-be control connection.
  const fd0 = join(node.workDir, `${req.software}-${req.port}.fd0`);
  const child = node.spawn(['sh', '-c', 'echo $$; fd0=$1; shift; exec "$0" "$@" 0<>"$fd0"', program, fd0, ...args]);
  let stderr = '';
  let stdout = '';
  let ended: string | undefined;
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdout?.on('data', (d) => (stdout += d));
  child.once('exit', (code, signal) => (ended = howItEnded(code, signal)));
  // 'exit' can come before the last of stderr; 'close' comes after the pipes are drained.
  const closed = new Promise((r) => child.once('close', r));
  const pid = () => Number(stdout.split('\n')[0]) || undefined;
  // After the pid line: a server may report on stdout (vsftpd's `500 OOPS: ...` goes there).
  const output = () => `${stdout.split('\n').slice(1).join('\n')}\n${stderr}`.trim();
  const service = req.role ? `${req.software} (${req.role})` : req.software;
  const evidence = async () => {
    const fd0Text = (await node.exec(['cat', fd0]).catch(() => undefined))?.stdout.trim();
    if (fd0Text) stderr += `\n${fd0Text}`;
    const config = req.configFile && (await node.exec(['cat', req.configFile]).catch(() => undefined))?.stdout.trim();
    const logs = await Promise.all(
      req.logFiles.map(async (file) => {
        const tail = await node.exec(['tail', '-n', '20', file]).catch(() => undefined);
        return tail?.code === 0 && tail.stdout.trim() ? `# log ${file} (last lines)\n${tail.stdout.trim()}` : `# log ${file}: empty or missing`;
      }),
    );
    return [`# ${service} in node ${node.name}: ${req.argv.join(' ')}`, `# its output (stdout and stderr)\n${output() || '(none)'}`, ...logs, ...(config ? [`# config ${req.configFile}\n${config}`] : [])].join('\n') + '\n';
  };
  let failure: string | undefined;
  try {
    await waitFor(
      `${req.software} to listen on port ${req.port}`,
      async () => {
        if (ended !== undefined) {
          await closed;
          failure = `${ended} before listening on port ${req.port}`;
          throw new Error(failure);
        }
        const p = pid();
        return p !== undefined && (await listensAs(node, req.port, p));
      },
      { timeoutMs: READY_TIMEOUT_MS },
    );
  } catch (err) {
    await stopChild(node, child, pid());
    const log = await evidence();
    const said = lastWord(output());
    throw new NodeStartError(node.name, service, `${failure ?? (err as Error).message}${said ? `: ${said}` : ''}`, log);
  }
  const launched: LaunchedServer = { software: req.software, child, pidInNode: pid()!, port: req.port };
  child.once('exit', () => (launched.ended = ended));
  return launched;
}

const STOP_TIMEOUT_MS = 3000;
/** A listener whose socket is gone is dying: its exit comes within milliseconds. */
const GONE_REAP_MS = 1000;

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

/** The FtpServer role on top of a launched process; subclasses add their software's configuration. */
export abstract class FtpServerProcess implements FtpServer {
  abstract readonly kind: ServerSoftware;

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

  /**
   * Why the server stopped serving: the first listener that ended, how, and when it is known.
   * Without `look` only what the harness already heard (a child's exit) counts; with it, a
   * listener whose socket is gone counts too, and its exit is awaited briefly so the answer says
   * how it ended (the exit and the probe's report travel through different pipes).
   */
  async gone(look = false): Promise<string | undefined> {
    for (const l of this.listeners) {
      if (l.ended === undefined && look && !(await listensAs(this.node, l.port, l.pidInNode))) {
        await waitFor(`${l.software} pid ${l.pidInNode} to be reaped`, async () => l.ended !== undefined, { timeoutMs: GONE_REAP_MS, intervalMs: 10 }).catch(() => undefined);
        l.ended ??= 'no longer listening';
      }
      if (l.ended !== undefined) return `${l.software} (pid ${l.pidInNode} in node ${this.node.name}, port ${l.port}) ${l.ended}`;
    }
    return undefined;
  }

  async storedSha256(name: string): Promise<string | undefined> {
    const r = await this.node.exec(['sha256sum', join(this.info.uploadDir, name)]);
    return r.code === 0 ? r.stdout.split(' ')[0] : undefined;
  }

  /**
   * Sessions are forked children of the listener (with a helper process of their own for some
   * servers): every descendant goes, the listener survives.
   */
  async endSessions(): Promise<void> {
    await Promise.all(this.listeners.map((l) => this.node.killDescendants(l.pidInNode)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await stopListeners(this.node, this.listeners);
  }
}

/** Stops listeners already started (a later one failing to start, or the server disposed). */
export async function stopListeners(node: NodeHandle, listeners: readonly LaunchedServer[]): Promise<void> {
  await Promise.all(listeners.map((l) => stopChild(node, l.child, l.pidInNode)));
}
