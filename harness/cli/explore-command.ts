/**
 * `pinhole explore`: what the packets do. The four modes x RETR and STOR through one rule set on
 * one topology (and server software), run in-process (no Playwright): a quick question from a
 * person, answered in a second. With `--expect FILE` the cells the file names are judged as the
 * suites' cells are, and a violation fails the command (exit 1).
 */
import { resolve } from 'node:path';
import { driverFor } from '../drivers/registry.ts';
import { InputError } from '../errors.ts';
import { loadExpectations } from '../expectations/load-expectations.ts';
import { EXPLORE_COMMANDS, exploreRuleset } from '../cell/explore-ruleset.ts';
import type { DriverName, ServerSoftware } from '../model.ts';
import { TOPOLOGIES_DIR } from '../paths.ts';
import { buildJsonReport, writeJsonReport } from '../report/json-report.ts';
import { writeJUnitReport } from '../report/junit-report.ts';
import { DEFAULT_JSON_REPORT, evidenceFiles, evidenceRoot } from '../evidence/evidence-files.ts';
import { evidenceLinks } from '../report/html/evidence-links.ts';
import { htmlReportFile, writeHtmlReport } from '../report/html-report.ts';
import { renderMatrix } from '../report/matrix.ts';
import { keepRenderings } from '../report/kept-renderings.ts';
import { resolveTopology } from '../topology/load-topology.ts';
import { requireHost } from './host-check.ts';
import { exitCodeFor } from '../verdict.ts';
import { type EvidencePolicy, runConfigOf } from '../run-config.ts';
import { validateInputs } from './validate-inputs.ts';
import { rulesetNodeOf } from '../topology/ruleset-node.ts';
import { minimizeRuleset, renderMinimize } from '../cell/minimize-ruleset.ts';
import { withLab } from './with-lab.ts';
import { type CiOptions, publishFindings } from './ci-outputs.ts';
import { rulesetSourcesOf, type RulesetOptions } from './ruleset-options.ts';
import type { RulesetSource } from '../frontends/ruleset-source.ts';

export interface ExploreOptions extends RulesetOptions, CiOptions {
  topology: string;
  /** Default: PINHOLE_DRIVER, else netns (harness/run-config.ts). */
  driver?: DriverName;
  /** Runs this software on the server node instead of the topology's. */
  server?: ServerSoftware;
  /** The node that carries the rule set (default: the topology's rulesetOn, or its firewall). */
  on?: string;
  json?: string;
  junit?: string;
  html?: string;
  /** An expectation file (README "Expectations for your own rule set"). */
  expect?: string;
  /** Which cells keep evidence files; default failures. */
  evidence?: EvidencePolicy;
  /** Delete each accepting rule alone and run every cell again: which rules can go. */
  minimize?: boolean;
}

export async function exploreCommand(opts: ExploreOptions): Promise<number> {
  const [source] = rulesetSourcesOf(opts, 1) as [RulesetSource];
  // The run's configuration: the flags over the documented environment overrides (an unknown value: exit 2).
  const config = runConfigOf({ driver: opts.driver, evidence: opts.evidence });
  const driver = driverFor(config.driver);
  await requireHost(driver);
  // Every input is checked before anything starts, and all their problems are told together.
  const [inputs, expectations] = await allOrProblems(
    validateInputs([resolveTopology(opts.topology, TOPOLOGIES_DIR)], [source]),
    opts.expect === undefined ? Promise.resolve(undefined) : loadExpectations(opts.expect, EXPLORE_COMMANDS),
  );
  const spec = inputs.topologies[0]!;
  const ruleset = inputs.rulesets[0]!;

  // Failing cells keep their evidence beside the JSON report (reports/ when there is none).
  const json = resolve(opts.json ?? DEFAULT_JSON_REPORT);
  // A node that cannot carry the rule set is refused before anything starts.
  rulesetNodeOf(spec, opts.on);
  const { results, ladders, minimize } = await withLab(spec, driver, { serverKind: opts.server, on: opts.on, logsDir: evidenceRoot(json) }, async (lab) => {
    const explored = await exploreRuleset(lab, ruleset, { suite: 'explore', ...(expectations && { expected: expectations.expectedFor }) }, json, config);
    if (!opts.minimize) return { ...explored, minimize: undefined };
    const asks = new Map(explored.results.map((c) => [c.id, { scenario: 'transfer' as const, mode: c.mode, command: c.command }]));
    return { ...explored, minimize: await minimizeRuleset(lab, ruleset, explored.results, asks) };
  });
  // A frontend's rendering is kept beside the JSON report it is named in.
  const report = { ...buildJsonReport(driver.name, opts.json ? keepRenderings(results, json) : results), ...(minimize ? { minimize } : {}) };
  process.stdout.write(`${renderMatrix(report.results, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`);
  if (minimize) process.stdout.write(`\n${renderMinimize(minimize)}\n`);
  if (opts.json) writeJsonReport(json, report);
  if (opts.junit) writeJUnitReport(resolve(opts.junit), driver.name, report.results, (cell) => evidenceFiles(json, cell));
  if (opts.html) {
    const html = htmlReportFile(opts.html);
    writeHtmlReport(html, { report, ladders, ...evidenceLinks(json, html, report.results), title: `pinhole explore ${ruleset.name} on ${spec.name}` });
  }
  publishFindings(`pinhole explore ${ruleset.name} on ${spec.name}`, report.results, [opts.json, opts.junit, opts.html].filter((f): f is string => f !== undefined).map((f) => resolve(f)), opts, { rulesetFileOf: () => source.file });
  return exitCodeFor(report.results);
}

/** Both results, or one InputError holding the problems of both. */
async function allOrProblems<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  const failed = [ra, rb].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const other = failed.find((e) => !(e instanceof InputError));
  if (other !== undefined) throw other;
  if (failed.length > 0) throw new InputError(failed.flatMap((e) => (e as InputError).problems));
  return [(ra as PromiseFulfilledResult<A>).value, (rb as PromiseFulfilledResult<B>).value];
}
