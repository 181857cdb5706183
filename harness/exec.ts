/**
 * Running programs: always an argv array, never a shell string, so names that come from
 * YAML or the command line can never be interpreted by a shell.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

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

/** Runs argv to completion; a non-zero exit is returned, not thrown (callers decide what it means). */
export function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
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
  return spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
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
