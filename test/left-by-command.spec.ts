// leftByCommand (test/support/left-by-command.ts), the CLI tests' "nothing left behind": a run
// claimed by a process the command started and never released is the command's leftover; one it
// released, one left by another command, or one there before the command are not. Fake commands
// in a state directory of their own (PINHOLE_STATE_DIR), so no real run is touched.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { leftByCommand, runIdsNow } from './support/left-by-command.ts';
import { scratchDir } from './support/scratch-dir.ts';

const state = scratchDir('pinhole-left-by-command-test-');

/**
 * A fake pinhole command: marks itself as the command (as main.ts does), then starts a fake
 * worker that inherits the mark and claims run `id` through harness/run-state.ts, releasing it
 * or not. Returns the command's pid.
 */
function fakeCommand(id: string, release: boolean): number {
  const worker = [
    "const { claimRun, releaseRun } = await import('./harness/run-state.ts');",
    `await claimRun(${JSON.stringify(id)});`,
    release ? `await releaseRun(${JSON.stringify(id)});` : '',
  ].join('\n');
  const command = [
    "import { spawnSync } from 'node:child_process';",
    "process.env.PINHOLE_COMMAND_PID = String(process.pid);",
    `const r = spawnSync(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', ${JSON.stringify(worker)}], { stdio: 'inherit' });`,
    'process.exit(r.status ?? 1);',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', command], { encoding: 'utf8', env: { ...process.env, PINHOLE_STATE_DIR: state() } });
  expect(r.status, r.stderr).toBe(0);
  return r.pid!;
}

test('a run a worker of the command claimed and never released is left; released, earlier or other commands\' runs are not', () => {
  const root = state();
  const before = runIdsNow(root);
  const leaky = fakeCommand('aaaaa1', false);
  expect(leftByCommand(leaky, before, root)).toEqual([join(root, 'aaaaa1')]);
  // There before the command: a stale run of an earlier process with the same pid is not this command's.
  expect(leftByCommand(leaky, runIdsNow(root), root)).toEqual([]);

  const tidy = fakeCommand('bbbbb2', true);
  expect(leftByCommand(tidy, before, root)).toEqual([]);
  // aaaaa1 names the leaky command, not this one.
  expect(runIdsNow(root)).toEqual(new Set(['aaaaa1']));
  expect(leftByCommand(undefined, before, root)).toEqual([]);
});
