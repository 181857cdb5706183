/**
 * What a finished pinhole command left behind: its runs still claimed after it exited, and their
 * namespaces. A command's labs are claimed by the Playwright workers it starts, not by the command
 * itself, so a run is the command's when its owner record names the command (`command`, from the
 * environment every process of the command inherits: harness/run-state.ts), whoever claimed it.
 * Only runs that were not there before the command started count: a stale run of an earlier
 * process that had the same pid is not this command's. Runs of other tests on the machine name
 * other commands, so they never count either.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runIdOfNamespace } from '../../harness/drivers/netns/netns-names.ts';
import { isRunId, STATE_ROOT, type RunOwner } from '../../harness/run-state.ts';

/** The run ids under `root` now: taken just before a command starts, for leftByCommand. */
export function runIdsNow(root = STATE_ROOT): Set<string> {
  try {
    return new Set(readdirSync(root).filter(isRunId));
  } catch {
    return new Set();
  }
}

/** Run directories (and their namespaces) of command `pid` still there, that were not in `before`. */
export function leftByCommand(pid: number | undefined, before: Set<string>, root = STATE_ROOT): string[] {
  // No pid: the command never started (spawn failed), so it cannot have claimed anything.
  if (pid === undefined) return [];
  const ids = [...runIdsNow(root)].filter((id) => {
    if (before.has(id)) return false;
    try {
      return (JSON.parse(readFileSync(join(root, id, 'owner.json'), 'utf8')) as RunOwner).command === pid;
    } catch {
      // Released while we looked: not left.
      return false;
    }
  });
  if (ids.length === 0) return [];
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const left = new Set(ids);
  return [
    ...ids.map((id) => join(root, id)),
    ...namespaces
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((ns) => left.has(runIdOfNamespace(ns) ?? '')),
  ];
}
