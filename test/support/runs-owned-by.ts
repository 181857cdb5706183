import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunId, STATE_ROOT } from '../../harness/run-state.ts';

/**
 * Runs in the state directory that a given (finished) pinhole process claimed: must be none.
 * A run claims its state directory before it creates a namespace, so none claimed means no
 * namespace either.
 */
export function runsOwnedBy(pid: number): string[] {
  let ids: string[] = [];
  try {
    ids = readdirSync(STATE_ROOT).filter(isRunId);
  } catch {
    return [];
  }
  return ids.filter((id) => {
    try {
      return (JSON.parse(readFileSync(join(STATE_ROOT, id, 'owner.json'), 'utf8')) as { pid: number }).pid === pid;
    } catch {
      return false;
    }
  });
}
