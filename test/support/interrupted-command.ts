// A pinhole command started, interrupted at a chosen moment, and what it left behind. The runs
// it made are watched while it lives (owner records naming it or one of its processes), so
// leftovers are judged for exactly its runs, whatever other tests do on the machine meanwhile.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMAND_PID_ENV, isRunId, processesOfCommand, runOwner, startTimeOf, STATE_ROOT } from '../../harness/run-state.ts';
import { expect, leftovers, test } from './driver-test.ts';

export type Delivery = 'group' | 'process';

export interface Interrupted {
  code: number | null;
  /** From the signal to the command's exit. */
  exitMs: number;
  /** The signal that ended the process itself (no handler ran), if one did. */
  killedBy: NodeJS.Signals | undefined;
  /** Milliseconds after start the signal went; undefined when the command had already ended. */
  signalledAtMs: number | undefined;
  /** Milliseconds from the signal to the command's last output (negative: it printed nothing after it). */
  lastOutputAfterSignalMs: number | undefined;
  output: string;
  runIds: string[];
  /** Namespaces, containers, networks, run directories and processes still there after exit. */
  left: string[];
}

/** True when `pid` is the command or one of the processes it started (they carry its pid). */
async function belongsTo(pid: number, command: number): Promise<boolean> {
  if (pid === command) return true;
  try {
    return (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').includes(`${COMMAND_PID_ENV}=${command}`);
  } catch {
    return false;
  }
}

/**
 * Starts `pinhole ...args`, sends `signal` after `afterMs` (to its process group, as a terminal's
 * Ctrl-C does, or to the process alone, as `kill` does), waits for it to exit, and reports.
 */
export async function interruptCommand(
  args: string[],
  opts: { afterMs: number; signal: NodeJS.Signals; to: Delivery; timeoutMs?: number; /** Count afterMs from the moment its first lab exists. */ fromFirstRun?: boolean },
): Promise<Interrupted> {
  const child = spawn(process.execPath, ['harness/cli/pinhole.mjs', ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
  });
  const pid = child.pid!;
  let output = '';
  let lastOutputAt = Date.now();
  const take = (d: Buffer) => {
    output += d;
    lastOutputAt = Date.now();
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  // Killed by the signal itself (before pinhole's handler existed): the shell's 128 + signal number.
  let killedBy: NodeJS.Signals | undefined;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (c, s) => {
      killedBy = s ?? undefined;
      r(c ?? (s ? 128 + constants.signals[s] : null));
    }),
  );
  let done = false;
  void exited.then(() => (done = true));

  const runIds = new Set<string>();
  const watch = (async () => {
    while (!done) {
      for (const id of await readdir(STATE_ROOT).catch(() => [] as string[])) {
        // A claim being written has the owner record too, for a moment, under another name.
        if (runIds.has(id) || !isRunId(id)) continue;
        // A dead owner's pid may since have been reused by one of this command's processes
        // (pid_max is 32768 here, and a test session starts thousands): the start time tells.
        const owner = await runOwner(id);
        if (owner !== undefined && (await startTimeOf(owner.pid)) === owner.start && (await belongsTo(owner.pid, pid))) runIds.add(id);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  let started = Date.now();
  if (opts.fromFirstRun) {
    while (!done && runIds.size === 0) await new Promise((r) => setTimeout(r, 10));
    started = Date.now();
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, opts.afterMs))]);
  let signalledAt: number | undefined;
  if (!done) {
    signalledAt = Date.now();
    process.kill(opts.to === 'group' ? -pid : pid, opts.signal);
  }
  const deadline = setTimeout(() => process.kill(-pid, 'SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await exited;
  const exitMs = Date.now() - (signalledAt ?? Date.now());
  clearTimeout(deadline);
  await watch;

  const left: string[] = [];
  for (const id of runIds) {
    left.push(...(await leftovers(id)));
    if ((await runOwner(id)) !== undefined) left.push(join(STATE_ROOT, id));
  }
  for (const p of await processesOfCommand(pid)) {
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    // A zombie has no command line left: it is dead and only waits to be reaped.
    if (cmd) left.push(`process ${p}: ${cmd.replaceAll('\0', ' ').trim()}`);
  }
  return {
    code,
    killedBy,
    exitMs,
    signalledAtMs: signalledAt === undefined ? undefined : signalledAt - started,
    lastOutputAfterSignalMs: signalledAt === undefined ? undefined : lastOutputAt - signalledAt,
    output,
    runIds: [...runIds],
    left,
  };
}

const EXIT_WITHIN_MS = 5000;
/** The last lines of a command that finished: explore's summary, run's reports. */
const FINISHED = /\n\d+ cells observed: |\nreports: /;
/**
 * Output that reached this process this long after the signal may still have been written before
 * it: the pipe is read when this test's loop next turns, which is after the signal went.
 */
const PIPE_LAG_MS = 100;

/**
 * What every interruption must show: nothing left; and, when the signal came while the command
 * was still at work, exit 130 within 5 s with one line saying what was interrupted.
 */
export function expectCleanInterruption(r: Interrupted, what: string): void {
  const context = `${what}\n${r.output.slice(-3000)}`;
  const saidLine = /pinhole: (interrupted by .*)$/m.exec(r.output)?.[1];
  // Its work done and reported, nothing said after the signal, no interruption line: the signal
  // came as the command was exiting, when Node no longer dispatches signals to JavaScript. It
  // then exits as it would have (0), or dies of the signal itself. Nothing was cut short.
  const exiting = r.signalledAtMs !== undefined && saidLine === undefined && FINISHED.test(r.output) && (r.lastOutputAfterSignalMs ?? 0) < PIPE_LAG_MS && (r.code === 0 || r.killedBy !== undefined);
  // The figure for the record: when it was signalled, what it said, how long the cleanup took.
  const said = saidLine ?? (r.signalledAtMs === undefined ? 'finished first' : exiting ? 'was exiting, its work done' : `no line (exit ${r.code})`);
  test.info().annotations.push({ type: 'interruption', description: `${what}: exit ${r.code} ${r.exitMs} ms after the signal; ${said}` });
  expect(r.left, context).toEqual([]);
  if (r.signalledAtMs === undefined) {
    // It finished before the chosen moment: nothing to interrupt, but nothing may be left either.
    expect(r.code, context).toBe(0);
    return;
  }
  expect(r.exitMs, context).toBeLessThan(EXIT_WITHIN_MS);
  if (exiting) return;
  if (r.output === '' && r.runIds.length === 0) {
    // The signal came while Node itself was starting, before pinhole's first line ran: the
    // signal's own exit, and nothing existed to report or remove.
    expect(r.code, context).toBeGreaterThan(128);
    return;
  }
  expect(r.code, context).toBe(130);
  // One closing line: what was going on, and what was removed.
  expect(r.output, context).toMatch(/pinhole: interrupted by SIG(INT|TERM) while [a-z]/);
  expect(r.output, context).not.toContain('internal error');
}
