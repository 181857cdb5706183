/**
 * `pinhole diff`: what a rule-set change does to FTP before it ships. The explore matrix through
 * OLD and then NEW on one lab (same topology, same server, brought up once), and the cells whose
 * observed outcome changed. Exit 1 when a cell that passed with OLD does not pass with NEW: the
 * change would break a transfer that works today.
 */
import { resolve } from 'node:path';
import { diffRuns } from '../diff-runs.ts';
import { driverFor } from '../drivers/registry.ts';
import { exploreRuleset } from '../cell/explore-ruleset.ts';
import type { DriverName, ServerSoftware } from '../model.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { buildDiffReport, writeDiffReport } from '../report/diff-report.ts';
import { renderDiff } from '../report/diff-view.ts';
import { keepRenderings } from '../report/kept-renderings.ts';
import { writeJUnitReport } from '../report/junit-report.ts';
import { buildJsonReport } from '../report/json-report.ts';
import { DEFAULT_JSON_REPORT, evidenceFiles, evidenceRoot } from '../evidence/evidence-files.ts';
import { evidenceLinks } from '../report/html/evidence-links.ts';
import { htmlReportFile, writeHtmlReport } from '../report/html-report.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { type EvidencePolicy, runConfigOf } from '../run-config.ts';
import { resolveTopology } from '../topology/load-topology.ts';
import { requireHost } from './host-check.ts';
import { validateInputs } from './validate-inputs.ts';
import { rulesetNodeOf } from '../topology/ruleset-node.ts';
import { withLab } from './with-lab.ts';
import { rulesetSourcesOf, type RulesetOptions } from './ruleset-options.ts';
import { type CiOptions, publishFindings } from './ci-outputs.ts';

/** `--ruleset` (or `--config`) in command-line order: OLD then NEW. */
export interface DiffOptions extends RulesetOptions, CiOptions {
  topology: string;
  /** Default: PINHOLE_DRIVER, else netns (harness/run-config.ts). */
  driver?: DriverName;
  server?: ServerSoftware;
  /** The node that carries both rule sets (default: the topology's rulesetOn, or its firewall). */
  on?: string;
  json?: string;
  junit?: string;
  html?: string;
  /** Which cells keep evidence files; default failures (every diff cell: none has an expectation). */
  evidence?: EvidencePolicy;
}

export async function diffCommand(opts: DiffOptions): Promise<number> {
  // A usage mistake, told before the host is checked or anything is read.
  const sources = rulesetSourcesOf(opts, 2);
  const [oldFile, newFile] = sources.map((s) => s.file) as [string, string];
  // The run's configuration: the flags over the documented environment overrides (an unknown value: exit 2).
  const config = runConfigOf({ driver: opts.driver, evidence: opts.evidence });
  const driver = driverFor(config.driver);
  await requireHost(driver);
  const { topologies, rulesets } = await validateInputs([resolveTopology(opts.topology, TOPOLOGIES_DIR)], sources);
  const spec = topologies[0]!;
  const [oldRuleset, newRuleset] = rulesets as [Ruleset, Ruleset];

  // Rows are labelled by the path as given: old and new versions of one file share a basename.
  // The suite label keeps ids apart even when both paths are the same.
  // Failing cells keep their evidence beside the JSON report (reports/ when there is none).
  const json = resolve(opts.json ?? DEFAULT_JSON_REPORT);
  // A node that cannot carry the rule set is refused before anything starts.
  rulesetNodeOf(spec, opts.on);
  const [oldRun, newRun] = await withLab(spec, driver, { serverKind: opts.server, on: opts.on, logsDir: evidenceRoot(json) }, async (lab) => [
    await exploreRuleset(lab, oldRuleset, { suite: 'diff-old', ruleset: oldFile }, json, config),
    await exploreRuleset(lab, newRuleset, { suite: 'diff-new', ruleset: newFile }, json, config),
  ]);
  // A frontend's rendering is kept beside the JSON report it is named in.
  const kept = (cells: typeof oldRun.results) => (opts.json ? keepRenderings(cells, resolve(opts.json)) : cells);
  const [oldCells, newCells] = [kept(oldRun.results), kept(newRun.results)];
  const diff = diffRuns(oldCells, newCells);

  const sides = { old: { ruleset: oldFile, results: oldCells }, new: { ruleset: newFile, results: newCells } };
  process.stdout.write(`${renderDiff(sides, diff, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`);
  const report = buildDiffReport(driver.name, spec.name, sides.old, sides.new, diff);
  if (opts.json) writeDiffReport(resolve(opts.json), report);
  // JUnit of the NEW run, judged against OLD: a regression is a <failure>.
  if (opts.junit) writeJUnitReport(resolve(opts.junit), driver.name, report.new.results, (cell) => evidenceFiles(json, cell));
  if (opts.html) {
    // Both runs in one report: OLD and NEW are two suites of the matrix, side by side.
    const html = htmlReportFile(opts.html);
    const both = buildJsonReport(driver.name, [...report.old.results, ...report.new.results]);
    writeHtmlReport(html, { report: both, ladders: { ...oldRun.ladders, ...newRun.ladders }, ...evidenceLinks(json, html, both.results), title: `pinhole diff ${oldFile} -> ${newFile}` });
  }
  // A regression is told at the NEW rule set's deciding line (report.new's results are judged against OLD).
  publishFindings(`pinhole diff ${oldFile} -> ${newFile}`, report.new.results, [opts.json, opts.junit, opts.html].filter((f): f is string => f !== undefined).map((f) => resolve(f)), opts, { rulesetFileOf: () => newFile });
  return diff.regressions > 0 ? 1 : 0;
}
