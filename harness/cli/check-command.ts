/**
 * `pinhole check [FILE]`: the user's own rule sets, from a check file in their repository
 * (harness/expectations/check-file.ts), through the catalogue of cells (harness/check/), run by
 * Playwright as `run` runs the built-in suites. With `--update` the cells' observations are
 * written back into the file as its expectations (harness/check/record-expectations.ts).
 */
import { runConfigOf } from '../run-config.ts';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labTopologyOf } from '../check/bounce-target.ts';
import { checkRulesetLabel, planCheck } from '../check/plan-check.ts';
import { cellId } from '../cell-contract.ts';
import type { ExpectationPlace } from '../report/findings.ts';
import type { CellAsk, MinimizeFinding } from '../cell-contract.ts';
import { minimizeRuleset, renderMinimize } from '../cell/minimize-ruleset.ts';
import type { Driver } from '../drivers/driver.ts';
import { driverFor } from '../drivers/registry.ts';
import { groupBy } from '../report/group-by.ts';
import { writeJsonReport } from '../report/json-report.ts';
import { loadRulesetSource } from '../frontends/ruleset-source.ts';
import { withLab } from './with-lab.ts';
import { expectationsFrom, recordable, writeExpectations } from '../check/record-expectations.ts';
import { SECURITY_SCENARIOS } from '../model.ts';
import { readJsonReport } from '../report/json-report.ts';
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
  const sources = new Map(checkFile.checks.map((c) => [JSON.stringify(c.source), c.source]));
  await validateInputs([...new Set(topologyFiles)], [...sources.values()]);
  const problems: string[] = [];
  // Two checks of one rule set on one topology and node would give the same cells the same ids.
  const rows = new Map<string, number>();
  for (const [i, check] of checkFile.checks.entries()) {
    const own = await loadTopology(topologyFiles[i]!);
    // The user's own nodes for `on:`; the cells on the lab's topology (a bounce target added).
    const topology = labTopologyOf(check, own);
    const at = (...path: Array<string | number>) => ['checks', check.index, ...path];
    const problem = (path: Array<string | number>, message: string) => problems.push(formatProblem(checkFile.file, checkFile.locate(path), path, message));
    const row = `${checkRulesetLabel(check)} on ${topology.name}`;
    const first = rows.get(row);
    if (first !== undefined) problem(at(), `checks ${first + 1} and ${i + 1} both check ${row}: merge them into one check (its lists of servers, clients... take several values)`);
    else rows.set(row, i);
    try {
      rulesetNodeOf(own, check.on);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problem(check.on === undefined ? at() : at('on'), err.problems.join('; '));
    }
    for (const p of planCheck(check, topology).problems) {
      problem(at(...p.at), p.message);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return checkFile;
}

/** Each planned cell's id: its rule set file, and the `expect:` key (its line in the file) that gave its expectation. */
async function expectationPlaces(checkFile: CheckFile): Promise<Map<string, { rulesetFile: string; expectation?: ExpectationPlace }>> {
  const places = new Map<string, { rulesetFile: string; expectation?: ExpectationPlace }>();
  for (const check of checkFile.checks) {
    const topology = labTopologyOf(check, await loadTopology(resolveTopology(check.topologyRef, TOPOLOGIES_DIR)));
    for (const c of planCheck(check, topology).cells) {
      const id = cellId({ suite: checkFile.name, topology: topology.name, ruleset: checkRulesetLabel(check), mode: c.mode, command: c.command, family: c.family, serverKind: c.serverKind, clientKind: c.client, tls: c.tls, probe: c.scenario });
      const expectation = c.expectedBy === undefined ? undefined : { file: checkFile.file, line: checkFile.locate(['checks', check.index, 'expect', c.expectedBy]), key: c.expectedBy };
      places.set(id, { rulesetFile: check.rulesetFile, ...(expectation ? { expectation } : {}) });
    }
  }
  return places;
}

export interface CheckOptions extends RunOptions {
  /** Write what the cells observed into the file as its expectations. */
  update?: boolean;
  /** Then delete each accepting rule alone and run the check's transfers again (harness/cell/minimize-ruleset.ts). */
  minimize?: boolean;
}

export async function checkCommand(file: string, opts: CheckOptions): Promise<number> {
  const path = resolve(file);
  // Both work from every cell of the file: a part of them would record, or judge, too little.
  for (const [flag, on] of [['--update', opts.update], ['--minimize', opts.minimize]] as const) {
    if (on && (opts.grep !== undefined || opts.shard !== undefined)) throw new InputError(`${flag} needs every cell of the check file: leave out ${opts.grep !== undefined ? '--grep' : '--shard'}`);
  }
  let checkFile: CheckFile | undefined;
  let places = new Map<string, { rulesetFile: string; expectation?: ExpectationPlace }>();
  const code = await runCells(opts, {
    config: CHECK_CONFIG,
    validate: async () => {
      checkFile = await validateCheckFile(path);
      places = await expectationPlaces(checkFile);
    },
    checkFile: path,
    // Named by the file's `name` once it is read (the checks' suite in the reports).
    title: () => `pinhole check ${checkFile?.name ?? path}`,
    expectationOf: (cell) => places.get(cell.id)?.expectation,
    rulesetFileOf: (cell) => places.get(cell.id)?.rulesetFile,
  });
  if ((!opts.update && !opts.minimize) || !checkFile) return code;
  const json = resolve(opts.json);
  if (!existsSync(json)) return code;
  if (opts.minimize) await minimizeChecks(checkFile, json, driverFor(runConfigOf({ driver: opts.driver }).driver));
  if (!opts.update) return code;
  const results = readJsonReport(json).results;
  const recorded = [];
  for (const check of checkFile.checks) {
    const topology = await loadTopology(resolveTopology(check.topologyRef, TOPOLOGIES_DIR));
    const label = checkRulesetLabel(check);
    const cells = recordable(results.filter((c) => c.suite === checkFile!.name && c.topology === topology.name && c.ruleset === label));
    if (cells.length === 0) continue;
    const keys = expectationsFrom(cells);
    recorded.push({ index: check.index, keys });
    process.stdout.write(`pinhole: check ${check.index + 1} (${label} on ${topology.name}): ${keys.size} expectation${keys.size === 1 ? '' : 's'} recorded from ${cells.length} cells\n`);
  }
  writeExpectations(path, recorded);
  process.stdout.write(`pinhole: wrote the expectations into ${path}; review the change (git diff) and commit it\n`);
  // Recorded, the file now agrees with every transfer: only attacks that got through, and
  // cells that proved nothing, still fail the command.
  const unresolved = results.filter((c) => c.suite === checkFile!.name && (c.verdict === 'inconclusive' || (c.verdict === 'violation' && SECURITY_SCENARIOS.has(c.probe))));
  return unresolved.length > 0 ? 1 : 0;
}

/**
 * `check --minimize`: for each check, its transfers again with each accepting rule deleted alone,
 * on a lab per server software the check ran (in this process, after Playwright's run), and the
 * findings added to the JSON report. A rule can go only where no outcome of any server changed.
 */
async function minimizeChecks(checkFile: CheckFile, json: string, driver: Driver): Promise<void> {
  const report = readJsonReport(json);
  const findings: MinimizeFinding[] = [];
  for (const check of checkFile.checks) {
    const spec = await loadTopology(resolveTopology(check.topologyRef, TOPOLOGIES_DIR));
    const label = checkRulesetLabel(check);
    const cells = report.results.filter((c) => c.suite === checkFile.name && c.topology === spec.name && c.ruleset === label && c.kind === 'transfer' && c.observed !== null);
    const ruleset = await loadRulesetSource(check.source);
    const byRule = new Map<string, MinimizeFinding>();
    for (const [serverKind, group] of groupBy(cells, (c) => c.serverKind).map((g) => [g[0]!.serverKind, g] as const)) {
      const asks = new Map(group.map((c) => [c.id, { scenario: c.probe, mode: c.mode, command: c.command, client: c.clientKind, tls: c.tls, family: c.family } satisfies CellAsk]));
      const found = await withLab(spec, driver, { serverKind, on: check.on }, (lab) => minimizeRuleset(lab, ruleset, group, asks));
      for (const f of found) {
        const seen = byRule.get(f.at);
        byRule.set(f.at, seen ? { ...seen, removable: seen.removable && f.removable, changed: [...seen.changed, ...f.changed], ...(f.note ? { note: f.note } : {}) } : f);
      }
    }
    const mine = [...byRule.values()];
    process.stdout.write(`\ncheck ${check.index + 1} (${label} on ${spec.name}): ${renderMinimize(mine)}\n`);
    findings.push(...mine);
  }
  writeJsonReport(json, { ...report, minimize: findings });
}
