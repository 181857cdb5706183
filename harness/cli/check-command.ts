/**
 * `pinhole check [FILE]`: the user's own rule sets, from a check file in their repository
 * (harness/expectations/check-file.ts), through the catalogue of cells (harness/check/), run by
 * Playwright as `run` runs the built-in suites. With `--update` the cells' observations are
 * written back into the file as its expectations (harness/check/record-expectations.ts).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planCheck } from '../check/plan-check.ts';
import { InputError } from '../errors.ts';
import { loadCheckFile, type CheckFile } from '../expectations/check-file.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { loadTopology, resolveTopology } from '../topology/load-topology.ts';
import { rulesetNodeOf } from '../topology/ruleset-node.ts';
import { formatProblem } from '../yaml-path.ts';
import { runCells, type RunOptions } from './run-command.ts';
import { validateInputs } from './validate-inputs.ts';

const CHECK_CONFIG = fileURLToPath(new URL('../check/playwright.config.ts', import.meta.url));

/**
 * Every input of the file, checked before anything starts: its syntax and schema, each check's
 * topology and rule set (as `run` checks them), its `on:` node, and its expectation keys against
 * the cells it plans. All problems are told at once, each at its place in the file.
 */
export async function validateCheckFile(file: string): Promise<CheckFile> {
  const checkFile = await loadCheckFile(file);
  const topologyFiles = checkFile.checks.map((c) => resolveTopology(c.topologyRef, TOPOLOGIES_DIR));
  await validateInputs([...new Set(topologyFiles)], [...new Set(checkFile.checks.map((c) => c.rulesetFile))]);
  const problems: string[] = [];
  for (const [i, check] of checkFile.checks.entries()) {
    const topology = await loadTopology(topologyFiles[i]!);
    const at = (...path: Array<string | number>) => ['checks', check.index, ...path];
    const problem = (path: Array<string | number>, message: string) => problems.push(formatProblem(checkFile.file, checkFile.locate(path), path, message));
    try {
      rulesetNodeOf(topology, check.on);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problem(check.on === undefined ? at() : at('on'), err.problems.join('; '));
    }
    for (const p of planCheck(check, topology).problems) {
      problem(p.key === undefined ? at('expect') : at('expect', p.key), p.message);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return checkFile;
}

export async function checkCommand(file: string, opts: RunOptions): Promise<number> {
  const path = resolve(file);
  return runCells(opts, {
    config: CHECK_CONFIG,
    validate: async () => {
      await validateCheckFile(path);
    },
    env: { PINHOLE_CHECK_FILE: path },
  });
}
