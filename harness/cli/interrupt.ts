/**
 * Ctrl-C and SIGTERM, at any moment of a command. Whatever the command has made is removed
 * before the process exits (130), and one line says what was interrupted and what was removed.
 * Before any resource exists there is nothing to remove; while a lab or a Playwright run is up,
 * the scope that made it knows how to take it down (`withInterruptScope`).
 */
import { currentActivity } from '../activity.ts';
import { COMMAND_PID_ENV } from '../run-state.ts';

/** Takes down what the scope made; returns what it removed, in words, for the closing line. */
export type InterruptCleanup = (signal: NodeJS.Signals) => Promise<string>;

let cleanup: InterruptCleanup | undefined;
/** A scope ended: what it made is gone, and the command is writing what it found. */
let scopeEnded = false;
let interruptedBy: NodeJS.Signals | undefined;

/** True once a signal arrived: work that sees it failing should not report the failure. */
export function interrupted(): boolean {
  return interruptedBy !== undefined;
}

function onSignal(signal: NodeJS.Signals): void {
  if (interruptedBy) {
    // A second Ctrl-C must not cut the cleanup short: that is what would leave debris.
    process.stderr.write(`pinhole: still removing what this run made (interrupted by ${interruptedBy}); it takes a few seconds\n`);
    return;
  }
  interruptedBy = signal;
  // From here on, the work is being torn away under its feet: an error it did not expect (a
  // write to a program the same signal killed) must not end the process before the cleanup.
  process.on('uncaughtException', (err) => process.stderr.write(`pinhole: while stopping: ${err.message}\n`));
  const what = currentActivity();
  const started = Date.now();
  void (async () => {
    let line: string;
    try {
      line = cleanup
        ? `interrupted by ${signal} while ${what}; ${await cleanup(signal)}; nothing is left behind (${((Date.now() - started) / 1000).toFixed(1)} s)`
        : `interrupted by ${signal} while ${what}; ${scopeEnded ? 'what the run made had already been removed' : 'nothing had been created yet'}`;
    } catch (err) {
      line = `interrupted by ${signal} while ${what}; the cleanup failed: ${err instanceof Error ? err.message : String(err)}; \`pinhole clean\` removes what is left`;
    }
    process.stderr.write(`\npinhole: ${line}\n`);
    process.exit(130);
  })();
}

/** Installed once, when the command line starts; it also marks every process the command will start. */
export function installInterruptHandler(): void {
  process.env[COMMAND_PID_ENV] = String(process.pid);
  // pinhole.mjs's listener stays and calls what this sets: swapping listeners would drop a
  // signal that arrived while the sources loaded and was not yet dispatched.
  const launcher = globalThis as { pinholeOnSignal?: (signal: NodeJS.Signals) => void };
  if (launcher.pinholeOnSignal) {
    launcher.pinholeOnSignal = onSignal;
    return;
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Runs `work` with `onInterrupt` as the cleanup a signal triggers. */
export async function withInterruptScope<T>(onInterrupt: InterruptCleanup, work: () => Promise<T>): Promise<T> {
  const outer = cleanup;
  cleanup = onInterrupt;
  let outcome: { value: T } | { error: unknown };
  try {
    outcome = { value: await work() };
  } catch (error) {
    outcome = { error };
  }
  if (interruptedBy) {
    // The work failed because its programs were killed, or finished just as the signal came:
    // either way the signal handler ends the process once the cleanup is done. Settling here
    // would print that failure, or results, in the middle of it.
    return new Promise<never>(() => undefined);
  }
  cleanup = outer;
  scopeEnded = true;
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
