// A pinhole command started, interrupted at a chosen moment, and what it left behind. The runs
// it made are watched while it lives (owner records naming it or one of its processes), so
// leftovers are judged for exactly its runs, whatever other tests do on the machine meanwhile.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMAND_PID_ENV, isRunId, processesOfCommand, runOwner, startTimeOf, STATE_ROOT } from '../../harness/run-state.ts';
import { leftovers } from './driver-test.ts';

export type Delivery = 'group' | 'process';

export interface Interrupted {
  code: number | null;
  /** From the signal to the command's exit. */
  exitMs: number;
  /** The signal that ended the process itself (no handler ran), if one did. */
  killedBy: NodeJS.Signals | undefined;
  /** Milliseconds after start the signal went; undefined when the command had already ended. */
  signalledAtMs: number | undefined;
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
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
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
  return { code, killedBy, exitMs, signalledAtMs: signalledAt === undefined ? undefined : signalledAt - started, output, runIds: [...runIds], left };
}
