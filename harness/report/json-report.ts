/**
 * The JSON report: the machine-readable contract other tools and `pinhole merge` read back.
 * Results are sorted so two runs of the same matrix diff line by line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { CELL_CLASSES, CLIENT_NAMES, FAMILIES, FTP_COMMANDS, MODES, SCENARIOS, SERVER_SOFTWARE, TLS_MODES, type DriverName } from '../model.ts';
import type { CellResult, RunReport } from '../cell-contract.ts';
import { VERDICTS } from '../verdict.ts';
import { formatPath } from '../yaml-path.ts';
import { coverageOf } from './coverage.ts';

const RuleHitSchema = z.object({ chain: z.string(), rule: z.string(), at: z.string().optional(), source: z.string().optional(), verdict: z.string() });
const AttributionSchema = z.object({
  node: z.string(),
  file: z.string(),
  connections: z.array(
    z.object({
      connection: z.enum(['control', 'data']),
      packet: z.string(),
      decidedBy: RuleHitSchema.nullable(),
      path: z.array(RuleHitSchema),
      unfiltered: z.string().optional(),
      state: z.enum(['new', 'related']).nullable(),
      reply: z.object({ decidedBy: RuleHitSchema.nullable(), path: z.array(RuleHitSchema) }).optional(),
      helper: z.string().optional(),
      dropped: z.object({ packet: z.string(), decidedBy: RuleHitSchema }).optional(),
    }),
  ),
});

const CellResultSchema = z.object({
  id: z.string(),
  suite: z.string(),
  topology: z.string(),
  ruleset: z.string(),
  mode: z.enum(MODES),
  command: z.enum(FTP_COMMANDS),
  client: z.string(),
  server: z.string(),
  family: z.enum(FAMILIES),
  serverKind: z.enum(SERVER_SOFTWARE),
  clientKind: z.enum(CLIENT_NAMES),
  tls: z.enum(TLS_MODES),
  kind: z.enum(CELL_CLASSES),
  probe: z.enum(SCENARIOS),
  expected: z.enum(['pass', 'blocked']).nullable(),
  observed: z.enum(['pass', 'blocked', 'error']).nullable(),
  verdict: z.enum(VERDICTS),
  accepted: z.string().optional(),
  cause: z.string().nullable(),
  // Reports written before advice and evidence existed read back as "none found".
  advice: z.object({ change: z.string(), verified: z.boolean() }).nullable().default(null),
  evidence: z.string().nullable().default(null),
  durationMs: z.number(),
  testMs: z.number().optional(),
  attribution: AttributionSchema.optional(),
  frontend: z.object({ kind: z.string(), version: z.string(), config: z.string(), rendering: z.array(z.string()) }).optional(),
}) satisfies z.ZodType<CellResult>;

/** Unknown extra fields are dropped rather than refused, so a newer writer stays readable. */
export const RunReportSchema = z.object({
  version: z.literal(1),
  driver: z.enum(['netns', 'docker']),
  results: z.array(CellResultSchema),
  coverage: z
    .array(
      z.object({
        file: z.string(),
        renderedBy: z.string().optional(),
        rules: z.array(
          z.object({
            at: z.string(),
            line: z.number(),
            chain: z.string(),
            rule: z.string(),
            hits: z.object({ accept: z.number(), drop: z.number(), matched: z.number() }),
            cells: z.array(z.string()),
          }),
        ),
      }),
    )
    .optional(),
  minimize: z
    .array(
      z.object({
        at: z.string(),
        rule: z.string(),
        removable: z.boolean(),
        changed: z.array(z.object({ id: z.string(), from: z.enum(['pass', 'blocked', 'error']), to: z.enum(['pass', 'blocked', 'error']) })),
        note: z.string().optional(),
      }),
    )
    .optional(),
}) satisfies z.ZodType<RunReport>;

/**
 * Suite, topology, rule set by name; mode and command in matrix order rather than by name so
 * the report reads like the matrix. Client, server and then the id only break ties, so the
 * order does not depend on which worker finished first.
 */
export function compareCells(a: CellResult, b: CellResult): number {
  return (
    compareText(a.suite, b.suite) ||
    compareText(a.topology, b.topology) ||
    compareText(a.ruleset, b.ruleset) ||
    MODES.indexOf(a.mode) - MODES.indexOf(b.mode) ||
    FTP_COMMANDS.indexOf(a.command) - FTP_COMMANDS.indexOf(b.command) ||
    compareText(a.client, b.client) ||
    compareText(a.server, b.server) ||
    // Cells that differ only in a dimension (pure-ftpd and proftpd, curl and lftp) come from
    // different spec files: without this, their order is the order their workers finished in.
    compareText(a.id, b.id)
  );
}

// Code-unit order, not localeCompare: the same bytes must sort the same on every machine.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildJsonReport(driver: DriverName, cells: readonly CellResult[]): RunReport {
  const coverage = coverageOf(cells);
  return { version: 1, driver, results: [...cells].sort(compareCells), ...(coverage.length > 0 ? { coverage } : {}) };
}

export function writeJsonReport(file: string, report: RunReport): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
}

/** Throws InputError listing every problem as `file: path: message`. */
export function readJsonReport(file: string): RunReport {
  const notAReport = `${file}: not a version-1 pinhole report`;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw new InputError(`${notAReport}: invalid JSON: ${err.message}`);
    throw err;
  }
  const parsed = RunReportSchema.safeParse(data);
  if (!parsed.success) {
    throw new InputError([
      `${notAReport}:`,
      ...parsed.error.issues.map((issue) => `${file}: ${formatPath(issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k)))}: ${issue.message}`),
    ]);
  }
  return parsed.data;
}
