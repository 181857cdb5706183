/**
 * Running programs: always an argv array, never a shell string, so names that come from
 * YAML or the command line can never be interpreted by a shell.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Written to the program's standard input, then closed. */
  input?: string | Buffer;
  timeoutMs?: number;
}

/*
 * Interruption. Every program this process starts is a child started here, so on Ctrl-C the
 * children can be killed at once and no new one started: nothing half-made can appear after
 * the cleanup has looked. Only the cleanup itself (run inside `whileStopping`) may still start
 * programs (`ip netns del`, ...).
 */
const liveChildren = new Set<ChildProcess>();
let stoppedBecause: string | undefined;
const stoppingWork = new AsyncLocalStorage<true>();

/** A program was not started because the run is being interrupted. */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}

/** Throws when the run is being interrupted and the caller is not the cleanup. */
export function throwIfStopping(what: string): void {
  if (stoppedBecause !== undefined && !stoppingWork.getStore()) throw new InterruptedError(`${what}: not started, ${stoppedBecause}`);
}

function track(child: ChildProcess): ChildProcess {
  liveChildren.add(child);
  const forget = () => liveChildren.delete(child);
  child.once('exit', forget);
  child.once('error', forget);
  return child;
}

/**
 * Stops starting programs and kills every child still running (SIGKILL: an interrupted run
 * wants none of their output), waiting at most `graceMs` for them to be gone. Returns how many
 * were killed.
 */
export async function stopAllPrograms(reason: string, graceMs = 2000): Promise<number> {
  stoppedBecause = reason;
  const children = [...liveChildren].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of children) child.kill('SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit').catch(() => undefined) : undefined))),
    new Promise((r) => (timer = setTimeout(r, graceMs))),
  ]).finally(() => clearTimeout(timer));
  return children.length;
}

/** Runs the cleanup of an interrupted run: the programs it starts are allowed. */
export function whileStopping<T>(work: () => Promise<T>): Promise<T> {
  return stoppingWork.run(true, work);
}

/** Runs argv to completion; a non-zero exit is returned, not thrown (callers decide what it means). */
export function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    throwIfStopping(file);
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          // Spawn failures (ENOENT) and timeouts have no numeric exit code.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${file}: command not found`));
          if (err.killed) return reject(new Error(`${argv.join(' ')}: timed out after ${opts.timeoutMs ?? 30_000} ms`));
          return reject(err);
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
    track(child);
    // A child that dies before reading its input (a Ctrl-C reaches the whole process group)
    // makes the write fail with EPIPE: its exit status says what happened, the write error not.
    child.stdin?.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like run, but a non-zero exit throws with the program's own message. */
export async function mustRun(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const msg = (r.stderr || r.stdout).trim();
    throw new Error(`${argv.join(' ')} exited ${r.code}${msg ? `: ${msg}` : ''}`);
  }
  return r;
}

/** Starts a long-running program (a server, an agent, a monitor) with argv only. */
export function start(argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('start: empty argv');
  throwIfStopping(file);
  const child = track(spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts }));
  // As in run(): a write to a program that died is told by its exit, which its owner watches.
  child.stdin?.on('error', () => undefined);
  return child;
}

/** Polls `probe` until it returns a value, or throws `what` after the deadline (never a bare sleep). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}
