// Ctrl-C and SIGTERM at random moments of a run: each command exits 130 within 5 s, says what
// it interrupted, and leaves no namespace, run directory or process behind. A run killed with
// SIGKILL leaves its namespaces, and `pinhole clean` removes them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '../support/driver-test.ts';
import { expectCleanInterruption, interruptCommand, type Delivery } from '../support/interrupted-command.ts';
import { scratchDir } from '../support/scratch-dir.ts';

/** Removed after the file's tests (scratch-dir.ts). */
const out = scratchDir('pinhole-interrupt-test-');
const EXPLORE = ['explore', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/no-helper.nft'];
/** 24 cells of one suite: lab bring-up, cells, advice re-runs and teardown all happen within seconds. */
const run = () => ['run', '--grep', 'ftp-stateful.*nft-helper', '--json', join(out(), 'r.json'), '--junit', join(out(), 'r.xml'), '--html', join(out(), 'html')];

const DELIVERIES: ReadonlyArray<[NodeJS.Signals, Delivery]> = [
  ['SIGINT', 'group'],
  ['SIGTERM', 'process'],
  ['SIGTERM', 'group'],
];

test('explore interrupted at random moments: exit 130 within 5 s, what was interrupted, nothing left', async () => {
  // Spread over a whole explore (about 5 s here: start, bring-up, eight cells, teardown).
  const moments = Array.from({ length: 8 }, (_, i) => Math.round((i + Math.random()) * 700));
  for (const [i, afterMs] of moments.entries()) {
    const [signal, to] = DELIVERIES[i % DELIVERIES.length]!;
    const r = await interruptCommand(EXPLORE, { afterMs, signal, to });
    expectCleanInterruption(r, `explore, ${signal} to the ${to} after ${afterMs} ms`);
  }
});

test('pinhole run interrupted at random moments: Playwright and its workers stopped, labs removed, the cut-short cells named', async () => {
  // Four runs cut short: about 30 s.
  test.setTimeout(90_000);
  const moments = Array.from({ length: 4 }, (_, i) => Math.round(1500 + (i + Math.random()) * 2500));
  for (const [i, afterMs] of moments.entries()) {
    const [signal, to] = DELIVERIES[i % DELIVERIES.length]!;
    const r = await interruptCommand(run(), { afterMs, signal, to });
    const what = `run, ${signal} to the ${to} after ${afterMs} ms`;
    expectCleanInterruption(r, what);
    // Told Playwright's way (its runner outlives the signal), the report says what was cut short.
    if (r.signalledAtMs !== undefined && to === 'process' && r.output.includes('pinhole: running ')) expect(r.output, what).toMatch(/interrupted: \d+ of \d+ cells observed, \d+ cut short/);
  }
});

test('SIGKILL leaves the lab behind; `pinhole clean` (or the next run) removes it', async () => {
  // Killed in the middle of the cells: its lab is up.
  const killed = await interruptCommand(EXPLORE, { afterMs: 1000, fromFirstRun: true, signal: 'SIGKILL', to: 'group' });
  expect(killed.code).toBe(137);
  expect(killed.runIds.length, killed.output).toBe(1);
  expect(killed.left.some((l) => l.startsWith(`pinhole-${killed.runIds[0]}-`)), killed.left.join('\n')).toBe(true);
  const clean = spawnSync(process.execPath, ['harness/cli/pinhole.mjs', 'clean'], { encoding: 'utf8' });
  expect(clean.status, clean.stderr).toBe(0);
  // Whoever comes first removes it: this `pinhole clean`, or a `pinhole run` another test
  // started meanwhile (every run cleans dead runs before it starts). Either way it is gone.
  const after = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  expect(after).not.toContain(`pinhole-${killed.runIds[0]}-`);
});
