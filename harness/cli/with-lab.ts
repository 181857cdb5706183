/**
 * The lab lifecycle of the in-process commands (`explore`, `diff`): one lab brought up, the work
 * done on it, the lab removed, also when the user presses Ctrl-C in the middle.
 */
import { nowDoing } from '../activity.ts';
import type { Driver } from '../drivers/driver.ts';
import { stopAllPrograms, whileStopping } from '../exec.ts';
import { Lab } from '../lab/lab.ts';
import type { ServerSoftware } from '../model.ts';
import type { TopologySpec } from '../topology/schema.ts';
import { withInterruptScope } from './interrupt.ts';

/** How long an interrupted lab may take to notice its programs are gone (a Docker API call in flight). */
const SETTLE_MS = 2500;

export async function withLab<T>(spec: TopologySpec, driver: Driver, opts: { serverKind?: ServerSoftware | undefined; on?: string | undefined; logsDir?: string }, work: (lab: Lab) => Promise<T>): Promise<T> {
  let pending: Promise<unknown> = Promise.resolve();
  /*
   * Interrupted: kill every program this process started and start no new one, let the lab's
   * own code see that and stop (an in-flight `ip` or Docker call finishes first, so nothing can
   * appear after the cleanup looked), then remove every resource of this process's runs.
   */
  const onInterrupt = async (signal: NodeJS.Signals) => {
    const killed = await stopAllPrograms(`interrupted by ${signal}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, SETTLE_MS)))]).finally(() => clearTimeout(timer));
    const removed = await whileStopping(() => driver.clean({ mine: true }));
    return `stopped ${killed} programs; ${describeRemoved(removed)}`;
  };
  return withInterruptScope(onInterrupt, () => {
    pending = (async () => {
      nowDoing(`bringing up topology ${spec.name} on ${driver.name}`);
      const lab = await Lab.up(spec, driver, opts);
      try {
        return await work(lab);
      } finally {
        nowDoing(`taking down topology ${spec.name}`);
        await lab[Symbol.asyncDispose]();
        nowDoing('writing what it found');
      }
    })();
    return pending as Promise<T>;
  });
}

const KINDS: ReadonlyArray<[test: (r: string) => boolean, one: string, many: string]> = [
  [(r) => r.startsWith('/'), 'run directory', 'run directories'],
  [(r) => r.startsWith('container '), 'container', 'containers'],
  [(r) => r.startsWith('network '), 'network', 'networks'],
  [() => true, 'namespace', 'namespaces'],
];

/** "removed 3 namespaces, 1 run directory" from a driver's list of what it removed. */
export function describeRemoved(removed: readonly string[]): string {
  if (removed.length === 0) return 'nothing was left to remove';
  const counts = new Map<(typeof KINDS)[number], number>();
  for (const r of removed) {
    const kind = KINDS.find(([test]) => test(r))!;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return `removed ${KINDS.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${counts.get(k) === 1 ? k[1] : k[2]}`).join(', ')}`;
}
