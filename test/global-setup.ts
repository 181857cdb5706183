/**
 * Before any test: the one full default run of this `npm test` (test/support/default-run.ts),
 * on netns with its default evidence policy, into test-results/default-run/. Made here, while
 * nothing else runs, because a whole run fills both cores for minutes: beside other tests it
 * was slowed past their time, and they past theirs. Its host snapshots are taken here too, for
 * the same reason: nothing else changes the host meanwhile.
 *
 * A failed run fails no test here: the record says what happened and the tests that read it
 * fail with it, while every other test still runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { driverFor } from '../harness/drivers/registry.ts';
import { DEFAULT_RUN_DIR, DEFAULT_RUN_FILES, defaultRunMode, readDefaultRunRecord, reuseDecision, sourceState, type DefaultRunRecord } from './support/default-run.ts';
import { diffAfterSettling, settledHostSnapshot } from './support/host-snapshot.ts';
import { leftByCommand, runIdsNow } from './support/left-by-command.ts';

const PINHOLE = 'harness/cli/pinhole.mjs';
/**
 * Generous for a run alone on two cores, so a slow run shows as a slow run (its wall time is
 * in the record) rather than a cut one; past it the run is interrupted and cleans up.
 */
const RUN_TIMEOUT_MS = 420_000;

function say(line: string): void {
  // stderr: a reporter may own stdout (`--reporter=json`).
  process.stderr.write(`[shared default run] ${line}\n`);
}

function write(record: DefaultRunRecord): void {
  mkdirSync(DEFAULT_RUN_DIR, { recursive: true });
  writeFileSync(DEFAULT_RUN_FILES.record, `${JSON.stringify(record, null, 2)}\n`);
}

/** `pinhole ...args` to its end, passing its progress lines on so a long wait shows it moving. */
function pinhole(args: string[]): Promise<{ code: number | null; signal: string | null; timedOut: boolean; stdout: string; stderr: string; pid: number; left: string[] }> {
  const before = runIdsNow();
  const child = spawn(process.execPath, [PINHOLE, ...args], { env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  let shown = 0;
  child.stdout.on('data', (d) => {
    stdout += d;
    // Whole lines only: a chunk may end in the middle of one.
    const end = stdout.lastIndexOf('\n') + 1;
    for (const line of stdout.slice(shown, end).split('\n')) if (/^pinhole: (running|\d+\/\d+ cells)/.test(line)) say(line);
    shown = Math.max(shown, end);
  });
  child.stderr.on('data', (d) => (stderr += d));
  // SIGINT, as Ctrl-C: pinhole stops Playwright and removes its labs before it exits.
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGINT');
  }, RUN_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, pid: child.pid!, left: leftByCommand(child.pid, before) });
    }),
  );
}

export default async function globalSetup(): Promise<void> {
  const mode = defaultRunMode();
  const source = sourceState();
  if (mode === 'reuse') {
    const decision = reuseDecision(readDefaultRunRecord(), source);
    // Thrown: Playwright stops before any test, with the message (both commits) as its error.
    if (decision.action === 'refuse') throw new Error(decision.message);
    if (decision.action === 'reuse') {
      say(`reusing the run in ${DEFAULT_RUN_DIR} (PINHOLE_TEST_DEFAULT_RUN=reuse)${decision.note ? `; ${decision.note}` : ''}`);
      return;
    }
    say(`a fresh run: ${decision.why}`);
  }
  rmSync(DEFAULT_RUN_DIR, { recursive: true, force: true });
  if (mode === 'skip') return write({ skipped: 'PINHOLE_TEST_DEFAULT_RUN=skip' });
  const problems = await driverFor('netns').preflight();
  if (problems.length > 0) return write({ skipped: `this host cannot run the netns driver: ${problems.map((p) => `${p.what} (${p.fix})`).join('; ')}` });

  // A run removes a crashed run's leftovers when it starts: removed before the snapshot, so
  // what the snapshots compare is what this run itself does to the host.
  spawnSync(process.execPath, [PINHOLE, 'clean'], { encoding: 'utf8' });
  const before = await settledHostSnapshot();
  const argv = ['run', '--json', DEFAULT_RUN_FILES.json, '--junit', DEFAULT_RUN_FILES.junit, '--html', DEFAULT_RUN_FILES.html];
  say(`pinhole ${argv.join(' ')}`);
  const started = Date.now();
  const r = await pinhole(argv);
  const wallMs = Date.now() - started;
  const hostDiff = await diffAfterSettling(before);
  write({ argv, ...r, wallMs, hostDiff, ...(source ? { source } : {}) });
  say(`exit ${r.code ?? r.signal}${r.timedOut ? ' (interrupted: too slow)' : ''} after ${(wallMs / 1000).toFixed(0)} s; host ${hostDiff === '' ? 'unchanged' : 'CHANGED'}; record in ${DEFAULT_RUN_FILES.record}`);
}
