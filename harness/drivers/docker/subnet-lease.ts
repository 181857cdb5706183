/**
 * Host-wide leases on IPv4 subnets, held by a Docker topology from before its networks are
 * created until they are removed. Why: Docker refuses a network whose subnet overlaps another
 * network's ("Pool overlaps with other one on this address space"), and the catalogue's
 * topologies share subnets (192.168.10.0/24 and 203.0.113.0/24 in most of them). Without a
 * lease, a second run (or a second worker of one run) fails at bring-up; with one, it waits
 * until the subnet is free and then gets it. Subnets that overlap without being equal are not
 * leased against each other (no topology in the catalogue has them); Docker still refuses those.
 *
 * A lease is owned by a process (pid + start time, as run-state.ts's owner records), so the
 * lease of a process that died without releasing it (SIGKILL, a crash) is taken over by the
 * next one that asks, which also learns the dead owner's run id to remove its networks.
 *
 * On disk, one file per lease generation: `<subnet>.<n>` holding its owner, written aside and
 * hard-linked into place (link(2) fails when the name exists: only one process creates
 * generation n, and never a half-written one). The highest generation is the lease; a holder
 * releases it by renaming a "released" record over it, never by removing it, so the highest
 * generation never disappears and numbers never go back. Generation n+1 is created only by a
 * process that read generation n as released or its owner as dead, so two live holders are
 * impossible; a stale lease is broken by superseding it, never by deleting it, which is what
 * makes breaking it safe against a third process doing the same at the same moment. Lower
 * generations are history and anyone may delete them.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { STATE_ROOT, startTimeOf } from '../../run-state.ts';

/**
 * Beside the run state directory, not inside it: every entry there is a run, and a run without
 * an owner record is a crashed one that `pinhole clean` removes.
 */
export const LEASE_ROOT = process.env.PINHOLE_LEASE_DIR ?? join(dirname(STATE_ROOT), `${basename(STATE_ROOT)}-subnet-leases`);

/** How often a waiting process looks again: bring-up takes seconds, so this costs nothing. */
const POLL_MS = 250;

interface LeaseRecord {
  pid: number;
  start: string | undefined;
  /** The run whose networks use the subnet: a taker-over removes a dead owner's networks by it. */
  run: string;
  released?: true;
}

/** A subnet as a file name: `192.168.10.0/24` -> `192.168.10.0_24`. */
const keyOf = (subnet: string) => subnet.replace('/', '_');

async function readRecord(file: string): Promise<LeaseRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LeaseRecord;
  } catch {
    return undefined;
  }
}

async function ownerAlive(r: LeaseRecord): Promise<boolean> {
  return (await startTimeOf(r.pid)) === r.start;
}

/** Generations of one subnet's lease present now, lowest first. */
async function generations(key: string): Promise<number[]> {
  const prefix = `${key}.`;
  return (await readdir(LEASE_ROOT))
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/** A record written aside, then moved or linked into place whole. */
async function writeAside(record: LeaseRecord): Promise<string> {
  const tmp = join(LEASE_ROOT, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeFile(tmp, JSON.stringify(record));
  return tmp;
}

export interface SubnetLease {
  readonly subnet: string;
  /** Run ids of dead owners whose lease this one superseded: their networks may still exist. */
  readonly tookOverFrom: string[];
  /** How long the lease was waited for, in milliseconds. */
  readonly waitedMs: number;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Called once per subnet when it has to wait, with the holder's run id and pid. */
  onWait?: (subnet: string, holder: { run: string; pid: number }) => void;
  signal?: AbortSignal;
}

/** Waits until `subnet` is free (or its holder is dead), then takes it for `run`. */
export async function acquireSubnet(subnet: string, run: string, opts: AcquireOptions = {}): Promise<SubnetLease> {
  await mkdir(LEASE_ROOT, { recursive: true, mode: 0o755 });
  const key = keyOf(subnet);
  const mine: LeaseRecord = { pid: process.pid, start: await startTimeOf(process.pid), run };
  const started = Date.now();
  const tookOverFrom: string[] = [];
  let told = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const gens = await generations(key);
    const top = gens.at(-1) ?? 0;
    const holder = top > 0 ? await readRecord(join(LEASE_ROOT, `${key}.${top}`)) : undefined;
    const held = holder !== undefined && !holder.released && (await ownerAlive(holder));
    if (held) {
      if (!told) opts.onWait?.(subnet, { run: holder.run, pid: holder.pid });
      told = true;
      await new Promise((r) => setTimeout(r, POLL_MS));
      continue;
    }
    const file = join(LEASE_ROOT, `${key}.${top + 1}`);
    const tmp = await writeAside(mine);
    try {
      await link(tmp, file);
    } catch (err) {
      // Another process created this generation first: look again.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
    if (holder && !holder.released) tookOverFrom.push(holder.run);
    for (const g of gens) await rm(join(LEASE_ROOT, `${key}.${g}`), { force: true });
    return {
      subnet,
      tookOverFrom,
      waitedMs: Date.now() - started,
      release: async () => {
        const tmp = await writeAside({ ...mine, released: true });
        await rename(tmp, file);
      },
    };
  }
}

/**
 * Leases on every subnet in `subnets`, taken in one global order so two topologies that share
 * two subnets cannot each hold one and wait for the other. On failure, what was taken is released.
 */
export async function acquireSubnets(subnets: readonly string[], run: string, opts: AcquireOptions = {}): Promise<SubnetLease[]> {
  const leases: SubnetLease[] = [];
  try {
    for (const subnet of [...new Set(subnets)].sort()) leases.push(await acquireSubnet(subnet, run, opts));
  } catch (err) {
    await Promise.all(leases.map((l) => l.release()));
    throw err;
  }
  return leases;
}
