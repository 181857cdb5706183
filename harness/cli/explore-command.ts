/**
 * `pinhole explore`: no expectations, just what the packets do. The four modes x RETR and STOR
 * through one rule set on one topology (and server software), run in-process (no Playwright): a quick question from a
 * person, answered in a second.
 */
import { driverFor } from '../drivers/registry.ts';
import { Lab } from '../lab.ts';
import { cellResult, DEFAULT_DIMENSIONS } from '../cell-result.ts';
import { MODES, type CellResult, type ServerKind } from '../model.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { buildJsonReport, writeJsonReport } from '../report/json-report.ts';
import { writeJUnitReport } from '../report/junit-report.ts';
import { renderMatrix } from '../report/matrix.ts';
import { resolveTopology } from '../topology/load-topology.ts';
import { requireHost } from './host-check.ts';
import { validateInputs } from './validate-inputs.ts';
import { resolve } from 'node:path';

export interface ExploreOptions {
  topology: string;
  ruleset: string;
  driver: string;
  /** Runs this software on the server node instead of the topology's. */
  server?: ServerKind;
  json?: string;
  junit?: string;
}

export async function exploreCommand(opts: ExploreOptions): Promise<number> {
  const driver = driverFor(opts.driver);
  await requireHost(driver);
  const { topologies, rulesets } = await validateInputs([resolveTopology(opts.topology, TOPOLOGIES_DIR)], [opts.ruleset]);
  const spec = topologies[0]!;
  const ruleset = rulesets[0]!;

  // Interrupted: remove exactly what this process made, then leave with the conventional code.
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\npinhole: interrupted by ${sig}; removing this run's namespaces\n`);
    void driver.clean({ mine: true }).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const cells: CellResult[] = [];
  const lab = await Lab.up(spec, driver, { serverKind: opts.server });
  try {
    for (const mode of MODES) {
      for (const command of ['RETR', 'STOR'] as const) {
        const o = await lab.runCell({ ruleset, mode, command });
        const meta = { suite: 'explore', topology: spec.name, ruleset: ruleset.name, mode, command, ...DEFAULT_DIMENSIONS, ...lab.dimensions, expected: null };
        cells.push(cellResult(meta, { client: lab.client.name, server: lab.server.name }, o));
      }
    }
  } finally {
    await lab[Symbol.asyncDispose]();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const report = buildJsonReport(driver.name, cells);
  process.stdout.write(`${renderMatrix(report.results, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`);
  if (opts.json) writeJsonReport(resolve(opts.json), report);
  if (opts.junit) writeJUnitReport(resolve(opts.junit), driver.name, report.results);
  return 0;
}
