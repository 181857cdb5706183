/**
 * Playwright Test fixtures for suites. The lab (topology + services) is worker-scoped: brought
 * up once per worker and topology, torn down at the end. Per-test isolation is the firewall
 * reset inside `lab.runCell` (rules flushed, conntrack flushed, rule set applied afresh).
 */
// Playwright's root test type, without the browser fixtures that `test` adds: two of those
// (trace recording, context configuration) are automatic and ran around every cell, a few
// milliseconds of steps and stack captures each, for a browser no cell opens. Playwright
// exports it for test types that are not about browsers (its component testing builds on it).
import { _baseTest as base } from '@playwright/test';
import { driverFor } from './drivers/registry.ts';
import { Lab } from './lab.ts';
import type { DriverName, ServerKind } from './model.ts';
import { TOPOLOGIES_DIR } from './paths.ts';
import { loadTopology, resolveTopology } from './topology/load-topology.ts';

export interface PinholeWorkerFixtures {
  /** Which driver runs the nodes: from `PINHOLE_DRIVER`, or set per project. */
  driverName: DriverName;
  /** A topology name under topologies/ or a path; set per spec file with `test.use`. */
  topologyFile: string;
  /**
   * Runs this FTP server software on every ftp-server node instead of the topology's own choice,
   * so one topology serves a suite per server; set per spec file with `test.use`.
   */
  serverKind: ServerKind | undefined;
  /** Problems that keep this host from running the driver; cells are skipped when any. */
  hostProblems: string[];
  /**
   * The worker's lab, brought up on first use: a cell checks the host first and skips, so a
   * host that cannot run the driver never reaches bring-up.
   */
  lab: () => Promise<Lab>;
}

export const test = base.extend<object, PinholeWorkerFixtures>({
  driverName: [(process.env.PINHOLE_DRIVER as DriverName | undefined) ?? 'netns', { option: true, scope: 'worker' }],
  topologyFile: ['routed', { option: true, scope: 'worker' }],
  serverKind: [undefined, { option: true, scope: 'worker' }],
  hostProblems: [
    async ({ driverName }, use) => {
      const problems = await driverFor(driverName).preflight();
      await use(problems.map((p) => `${p.what} (${p.fix})`));
    },
    { scope: 'worker' },
  ],
  lab: [
    async ({ driverName, topologyFile, serverKind }, use) => {
      let lab: Promise<Lab> | undefined;
      const bringUp = async () => {
        const spec = await loadTopology(resolveTopology(topologyFile, TOPOLOGIES_DIR));
        return Lab.up(spec, driverFor(driverName), { serverKind });
      };
      try {
        await use(() => (lab ??= bringUp()));
      } finally {
        // A failed bring-up already cleaned up after itself (Lab.up); only a started lab is disposed.
        const started = await lab?.catch(() => undefined);
        await started?.[Symbol.asyncDispose]();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect } from '@playwright/test';
