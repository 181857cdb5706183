/**
 * `pinhole/contract`: the JSON report (README, "JSON contract"): its types, its schema (zod, and
 * as JSON Schema), and a reader that validates a file against it.
 */
import { z } from 'zod';
import { RunReportSchema } from '../report/json-report.ts';

export type { Advice, CellAttribution, CellFrontend, CellResult, ConnectionAttribution, MinimizeFinding, RuleCoverage, RuleHit, RulesetCoverage, RunReport } from '../cell-contract.ts';
export type { CellClass, ClientName, DriverName, Expectation, Family, FtpCommand, Mode, Outcome, Scenario, ServerSoftware, TlsMode, Verdict } from '../model.ts';
export { readJsonReport } from '../report/json-report.ts';
export { RunReportSchema };

/** The report's JSON Schema (draft 2020-12), for tools outside TypeScript. */
export function runReportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(RunReportSchema) as Record<string, unknown>;
}
