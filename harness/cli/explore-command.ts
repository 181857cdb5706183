/**
 * `pinhole explore`: no expectations, just what the packets do. The four modes x RETR and STOR
 * through one rule set on one topology (and server software), run in-process (no Playwright): a quick question from a
 * person, answered in a second.
 */
import { resolve } from 'node:path';
import { driverFor } from '../drivers/registry.ts';
import { exploreRuleset } from '../explore-ruleset.ts';
import type { ServerKind } from '../model.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { buildJsonReport, writeJsonReport } from '../report/json-report.ts';
import { writeJUnitReport } from '../report/junit-report.ts';
import { renderMatrix } from '../report/matrix.ts';
import { resolveTopology } from '../topology/load-topology.ts';
import { requireHost } from './host-check.ts';
import { validateInputs } from './validate-inputs.ts';
import { withLab } from './with-lab.ts';

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

  const cells = await withLab(spec, driver, { serverKind: opts.server }, (lab) => exploreRuleset(lab, ruleset, { suite: 'explore' }));
  const report = buildJsonReport(driver.name, cells);
  process.stdout.write(`${renderMatrix(report.results, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`);
  if (opts.json) writeJsonReport(resolve(opts.json), report);
  if (opts.junit) writeJUnitReport(resolve(opts.junit), driver.name, report.results);
  return 0;
}
