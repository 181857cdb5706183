/**
 * Where a run keeps its files and who owns it. Every resource of a run carries the run's id;
 * the owner record lets `pinhole clean` (and the next run) tell a crashed run's leftovers from
 * a run that is still going on beside it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Root-owned and on tmpfs: gone at reboot, never in the user's checkout. */
export const STATE_ROOT = process.env.PINHOLE_STATE_DIR ?? '/run/pinhole';
/** Every resource name starts with this, so a leftover is recognisable in `ip netns list`. */
export const RESOURCE_PREFIX = 'pinhole-';

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export function runDir(id: string): string {
  return join(STATE_ROOT, id);
}

/** Process start time (clock ticks since boot): with the pid it identifies a process, even after pid reuse. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces, so split after its closing paren.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export async function claimRun(id: string): Promise<string> {
  const dir = runDir(id);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const owner = { pid: process.pid, start: await startTimeOf(process.pid) };
  await writeFile(join(dir, 'owner.json'), JSON.stringify(owner));
  return dir;
}

/** True when the process that claimed the run is still alive (same pid and start time). */
export async function runOwnerAlive(id: string): Promise<boolean> {
  try {
    const owner = JSON.parse(await readFile(join(runDir(id), 'owner.json'), 'utf8')) as { pid: number; start?: string };
    return (await startTimeOf(owner.pid)) === owner.start;
  } catch {
    return false;
  }
}

/** True when this process claimed the run (so an interrupted run can remove exactly its own resources). */
export async function runOwnedByMe(id: string): Promise<boolean> {
  try {
    const owner = JSON.parse(await readFile(join(runDir(id), 'owner.json'), 'utf8')) as { pid: number };
    return owner.pid === process.pid;
  } catch {
    return false;
  }
}

export async function releaseRun(id: string): Promise<void> {
  await rm(runDir(id), { recursive: true, force: true });
}

export async function knownRunIds(): Promise<string[]> {
  try {
    return await readdir(STATE_ROOT);
  } catch {
    return [];
  }
}
