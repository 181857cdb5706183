/**
 * Where a run keeps its files and who owns it. Every resource of a run carries the run's id;
 * the owner record lets `pinhole clean` (and the next run) tell a crashed run's leftovers from
 * a run that is still going on beside it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Root-owned and on tmpfs: gone at reboot, never in the user's checkout. */
export const STATE_ROOT = process.env.PINHOLE_STATE_DIR ?? '/run/pinhole';
/** Every resource name starts with this, so a leftover is recognisable in `ip netns list`. */
export const RESOURCE_PREFIX = 'pinhole-';

/**
 * Set by the pinhole command for itself, so every process it starts (Playwright, its workers,
 * the programs in the nodes) inherits it: the processes a command made are those carrying its
 * pid here, whatever became of their parents.
 */
export const COMMAND_PID_ENV = 'PINHOLE_COMMAND_PID';

/** Processes other than this one whose environment carries `COMMAND_PID_ENV=<pid>`. */
export async function processesOfCommand(pid: number): Promise<number[]> {
  const marker = Buffer.from(`\0${COMMAND_PID_ENV}=${pid}\0`);
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      // Leading NUL: the variable can be the first of the block too.
      const env = Buffer.concat([Buffer.from([0]), await readFile(`/proc/${entry}/environ`)]);
      if (env.includes(marker)) found.push(Number(entry));
    } catch {
      // Gone in the meantime, or a kernel thread.
    }
  }
  return found;
}

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export function runDir(id: string): string {
  return join(STATE_ROOT, id);
}

/** Process start time (clock ticks since boot): with the pid it identifies a process, even after pid reuse. */
export async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces, so split after its closing paren.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Runs this process claimed, remembered in memory too: an interrupted run whose owner record
 * is already gone (its teardown got that far) still knows its namespaces are its own.
 */
const claimedHere = new Set<string>();

/** Where a claim is written before it is renamed into place; not a run, so clean() never sees it. */
const STAGING_PREFIX = '.claim-';

/**
 * A run directory never exists without its owner record: the record is written aside and the
 * directory renamed into place (atomic). Otherwise another pinhole process's clean() could find
 * the directory in between, read no owner, take it for a crashed run and remove it.
 */
export async function claimRun(id: string): Promise<string> {
  const dir = runDir(id);
  claimedHere.add(id);
  const staging = join(STATE_ROOT, `${STAGING_PREFIX}${id}-${process.pid}`);
  await mkdir(staging, { recursive: true, mode: 0o755 });
  try {
    // The command too: a run is claimed by a Playwright worker, not by the pinhole command that
    // started it, and a test asking "did this command leave anything?" has only the command's pid.
    const command = Number(process.env[COMMAND_PID_ENV]) || undefined;
    const owner: RunOwner = { pid: process.pid, start: await startTimeOf(process.pid), ...(command ? { command } : {}) };
    await writeFile(join(staging, 'owner.json'), JSON.stringify(owner));
    await rename(staging, dir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** Who claimed a run: the process (pid and start time) and the pinhole command it ran under, if any. */
export interface RunOwner {
  pid: number;
  start?: string;
  /** `COMMAND_PID_ENV` of the claiming process: absent outside a pinhole command (a test using a driver directly). */
  command?: number;
}

/** The owner record of run `id`: the process that claimed it; undefined once released (or never claimed). */
export async function runOwner(id: string): Promise<RunOwner | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir(id), 'owner.json'), 'utf8')) as RunOwner;
  } catch {
    return undefined;
  }
}

/** True when the process that claimed the run is still alive (same pid and start time). */
export async function runOwnerAlive(id: string): Promise<boolean> {
  const owner = await runOwner(id);
  return owner !== undefined && (await startTimeOf(owner.pid)) === owner.start;
}

/** True when this process claimed the run (so an interrupted run can remove exactly its own resources). */
export async function runOwnedByMe(id: string): Promise<boolean> {
  return claimedHere.has(id) || (await runOwner(id))?.pid === process.pid;
}

/** Runs still claimed under pinhole command `pid` (by any of its processes): after its workers are gone, what they left. */
export async function runsOfCommand(pid: number): Promise<string[]> {
  const ids = await knownRunIds();
  const owners = await Promise.all(ids.map((id) => runOwner(id)));
  return ids.filter((_, i) => owners[i]?.command === pid);
}

/**
 * Which runs a clean removes: every run (`all`), this process's (`mine`), or those whose owner
 * died; with `command`, also every run claimed under that pinhole command, for the command
 * itself once its processes are gone: a worker killed mid-teardown can still look alive to the
 * owner check for a moment, and its run must not outlive the command.
 */
export interface CleanScope {
  all?: boolean;
  mine?: boolean;
  command?: number;
}

export async function cleanRemoves(id: string, scope: CleanScope): Promise<boolean> {
  if (scope.all) return true;
  if (scope.mine) return runOwnedByMe(id);
  if (scope.command !== undefined && (await runOwner(id))?.command === scope.command) return true;
  return !(await runOwnerAlive(id));
}

export async function releaseRun(id: string): Promise<void> {
  await rm(runDir(id), { recursive: true, force: true });
}

/** False for a claim still being written (claimRun): it holds an owner record, but is not a run yet. */
export function isRunId(name: string): boolean {
  return !name.startsWith(STAGING_PREFIX);
}

export async function knownRunIds(): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(STATE_ROOT);
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const name of names) {
    if (isRunId(name)) ids.push(name);
    // A claim whose process died before renaming it: nothing else refers to it.
    else if (!existsSync(`/proc/${name.split('-').pop()}`)) await rm(join(STATE_ROOT, name), { recursive: true, force: true });
  }
  return ids;
}
