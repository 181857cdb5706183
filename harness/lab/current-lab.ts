/**
 * A test worker's lab: one at a time, kept for as long as consecutive cells ask for the same
 * topology and server software, replaced when they ask for another. Keyed by what the cell asks
 * (not fixed per worker with `test.use`), so Playwright keeps its two workers for the whole run
 * instead of starting a process, and loading the harness into it, for every spec file.
 */
import type { Lab } from './lab.ts';
import type { ServerSoftware } from '../model.ts';

export type BringUp = (topology: string, serverKind: ServerSoftware | undefined, on: string | undefined) => Promise<Lab>;

export class CurrentLab implements AsyncDisposable {
  private current: { key: string; lab: Promise<Lab> } | undefined;
  /** Labs being torn down while the next one comes up (`overlap`), awaited at the end. */
  private readonly leaving: Array<Promise<void>> = [];

  /**
   * `overlap`: the previous lab is torn down while the next one comes up, where two labs cannot
   * get in each other's way (netns: every lab has namespaces of its own). Not on docker, where
   * the next lab may need the very subnets the previous one still holds.
   */
  constructor(
    private readonly bringUp: BringUp,
    private readonly opts: { overlap: boolean } = { overlap: false },
  ) {}

  /**
   * The lab for `topology` running `serverKind` (default: the topology's own software), with the
   * rule set under test on node `on` (default: the topology's firewall). A lab
   * that failed to come up stays failed for the cells that ask for it again, as it did for the
   * first: one failed bring-up per lab, not one per cell.
   */
  async get(topology: string, serverKind: ServerSoftware | undefined, on?: string): Promise<Lab> {
    const key = JSON.stringify([topology, serverKind ?? null, on ?? null]);
    if (this.current?.key !== key) {
      const leaving = this.release();
      if (this.opts.overlap) {
        // Handled here, so a failing teardown is not an unhandled rejection; thrown at the end.
        leaving.catch(() => undefined);
        this.leaving.push(leaving);
      } else await leaving;
      this.current = { key, lab: this.bringUp(topology, serverKind, on) };
    }
    return this.current.lab;
  }

  /** A failed bring-up already cleaned up after itself (Lab.up); only a started lab is disposed. */
  private async release(): Promise<void> {
    const previous = this.current;
    this.current = undefined;
    const started = await previous?.lab.catch(() => undefined);
    await started?.[Symbol.asyncDispose]();
  }

  /** Every lab torn down, each whatever the others did; the first failure is thrown. */
  async [Symbol.asyncDispose](): Promise<void> {
    const all = await Promise.allSettled([...this.leaving.splice(0), this.release()]);
    const failed = all.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
