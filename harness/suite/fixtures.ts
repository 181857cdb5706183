/**
 * Playwright Test fixtures for suites. The lab (topology + services) is worker-scoped: brought
 * up on a cell's first use and kept while the worker's next cells ask for the same topology
 * (harness/current-lab.ts), torn down at the end. Per-test isolation is the firewall reset
 * that opens every cell (Lab.openCell: connection tracking flushed, the rule set in place).
 */
// Playwright's root test type, without the browser fixtures that `test` adds: two of those
// (trace recording, context configuration) are automatic and ran around every cell, a few
// milliseconds of steps and stack captures each, for a browser no cell opens. Playwright
// exports it for test types that are not about browsers (its component testing builds on it).
import { _baseTest as base } from '@playwright/test';
import { CurrentLab } from '../lab/current-lab.ts';
import { driverFor } from '../drivers/registry.ts';
import { Lab } from '../lab/lab.ts';
import type { DriverName, ServerSoftware } from '../model.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { type RunConfig, runConfigFromEnvironment } from '../run-config.ts';
import { evidenceRoot } from '../evidence/evidence-files.ts';
import { loadTopology, resolveTopology } from '../topology/load-topology.ts';

/** Worker options: set by the run's Playwright configuration (harness/suite/runner-config.ts) or `test.use`. */
export interface PinholeWorkerOptions {
  /**
   * The run's configuration (harness/run-config.ts): the reports, what investigating a cell
   * does. Playwright hands it to every worker from the configuration's `use`; by default, the
   * defaults with the documented environment overrides.
   */
  runConfig: RunConfig;
  /** Which driver runs the nodes: the run configuration's, or set per project. */
  driverName: DriverName;
}

export interface PinholeWorkerFixtures {
  /** Problems that keep this host from running the driver; cells are skipped when any. */
  hostProblems: string[];
  /**
   * The worker's lab for a topology (a name under topologies/ or a path) running `serverKind`
   * (default: the topology's own software), brought up on first use: a cell checks the host
   * first and skips, so a host that cannot run the driver never reaches bring-up.
   */
  labFor: (topology: string, serverKind?: ServerSoftware, on?: string) => Promise<Lab>;
}

export const test = base.extend<object, PinholeWorkerOptions & PinholeWorkerFixtures>({
  runConfig: [runConfigFromEnvironment(), { option: true, scope: 'worker' }],
  driverName: [async ({ runConfig }, use) => use(runConfig.driver), { option: true, scope: 'worker' }],
  hostProblems: [
    async ({ driverName }, use) => {
      const problems = await driverFor(driverName).preflight();
      await use(problems.map((p) => `${p.what} (${p.fix})`));
    },
    { scope: 'worker' },
  ],
  labFor: [
    async ({ driverName, runConfig }, use) => {
      // A node that does not start keeps its log with the run's evidence.
      const logsDir = evidenceRoot(runConfig.reports.json);
      await using current = new CurrentLab(async (topology, serverKind, on) => Lab.up(await loadTopology(resolveTopology(topology, TOPOLOGIES_DIR)), driverFor(driverName), { serverKind, on, logsDir }), {
        overlap: driverName === 'netns',
      });
      await use((topology, serverKind, on) => current.get(topology, serverKind, on));
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect } from '@playwright/test';
