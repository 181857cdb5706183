/**
 * The cells of a check file (`pinhole check`, the run configuration's checkFile): one Playwright test per
 * planned cell (harness/check/plan-check.ts), declared with the suite kit as the built-in suites
 * are, so the reporter, workers, `--shard` and `pinhole merge` work alike. Cells run in parallel
 * mode, ordered so each worker brings up each (check, server software) lab once; parallel mode is
 * also what lets `--shard` split one file's cells between machines.
 */
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadCheckFile } from '../expectations/check-file.ts';
import { SERVER_SOFTWARE } from '../model.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { test } from '../suite/fixtures.ts';
import { cell } from '../suite/suite-kit.ts';
import { loadTopology, resolveTopology } from '../topology/load-topology.ts';
import { labTopologyOf, writeLabTopology } from './bounce-target.ts';
import { runConfigFromEnvironment } from '../run-config.ts';
import { checkRulesetLabel, planCheck } from './plan-check.ts';

// Read when the file loads, to declare the cells: the run's configuration, as `pinhole check` handed it on.
const run = runConfigFromEnvironment();
const file = run.checkFile;
if (!file) throw new Error('no check file in the run configuration: this file is run by `pinhole check`');
const checkFile = await loadCheckFile(file);

test.describe.configure({ mode: 'parallel' });

for (const check of checkFile.checks) {
  const ownFile = resolveTopology(check.topologyRef, TOPOLOGIES_DIR);
  const own = await loadTopology(ownFile);
  const topology = labTopologyOf(check, own);
  // A topology given a bounce target is a file of this run's own (bounce-target.ts).
  const topologyFile = topology === own ? ownFile : writeLabTopology(topology, join(run.outputDir ?? tmpdir(), 'topologies'), check.index);
  const { cells } = planCheck(check, topology);
  const byServer = [...cells].sort((a, b) => SERVER_SOFTWARE.indexOf(a.serverKind) - SERVER_SOFTWARE.indexOf(b.serverKind));
  test.describe(`check ${check.index + 1}: ${checkRulesetLabel(check)} on ${topology.name}`, () => {
    for (const c of byServer) {
      test(
        ...cell({
          suite: checkFile.name,
          topology: topology.name,
          topologyFile,
          suiteDir: dirname(checkFile.file),
          rulesetFile: check.rulesetFile,
          source: check.source,
          rulesetLabel: checkRulesetLabel(check),
          mode: c.mode,
          command: c.command,
          expected: c.expected,
          family: c.family,
          serverKind: c.serverKind,
          client: c.client,
          tls: c.tls,
          scenario: c.scenario,
          skipWithoutCarrier: true,
          ...(check.on !== undefined ? { on: check.on } : {}),
          ...(c.accepted !== undefined ? { accepted: c.accepted } : {}),
          ...(c.skip !== undefined ? { skip: c.skip } : {}),
        }),
      );
    }
  });
}
