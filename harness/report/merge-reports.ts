/**
 * Joining the reports of one run split across machines (`pinhole run --shard i/n`) into the
 * report a single run would have written. Each shard's JSON report is read back through the
 * contract's own reader; they must be parts of one run (one driver, one contract version, no
 * cell in two of them). A shard's evidence lives beside its JSON and is copied beside the merged
 * one, so the merged report can be archived on its own and its `evidence` paths stay relative to
 * it. The ladders the HTML report draws are not part of the JSON contract: a shard keeps them in
 * a side file (`results.ladders.json`, in the HTML report's compact form) that the merge reads
 * when it is there.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { evidenceDirName, evidenceRoot } from '../evidence/evidence-files.ts';
import type { Ladder, LadderPacket } from '../evidence/ladder.ts';
import { InputError } from '../errors.ts';
import type { CellResult, RunReport } from '../cell-contract.ts';
import { LADDER_COLUMNS, ladderTable } from './html/ladder-data.ts';
import { buildJsonReport, readJsonReport } from './json-report.ts';

/** Beside `reports/x/results.json`, `reports/x/results.ladders.json`. */
export function laddersFileFor(jsonReport: string): string {
  return jsonReport.replace(/(\.json)?$/i, '.ladders.json');
}

/**
 * The ladders as the HTML report embeds them (ladder-data.ts): strings interned once per run, a
 * packet a row of indexes. A plain ladder is ~4 KB a cell, so a full run's would be ~3 MB.
 */
export function writeLaddersFile(file: string, results: readonly CellResult[], ladders: Readonly<Record<string, Ladder>>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ version: 1, ...ladderTable(results, ladders) })}\n`, 'utf8');
}

const LaddersFileSchema = z.object({
  version: z.literal(1),
  columns: z.array(z.string()),
  strings: z.array(z.string()),
  ladders: z.record(z.string(), z.object({ firewall: z.string(), clientSide: z.string(), serverSide: z.string(), packets: z.array(z.array(z.number())), folded: z.number() }).passthrough()),
});

/** The shard's ladders by cell id; null when the shard kept none (a run without `--shard`). */
export function readLaddersFile(file: string): Record<string, Ladder> | null {
  if (!existsSync(file)) return null;
  const problem = (place: string, message: string) => new InputError(`${file}: ${place}: ${message}`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw problem('(root)', `not a pinhole ladders file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = LaddersFileSchema.safeParse(data);
  if (!parsed.success) throw new InputError(parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`));
  const { strings, ladders } = parsed.data;
  // Written by another version with other columns: the rows cannot be read back safely.
  if (parsed.data.columns.join() !== LADDER_COLUMNS.join()) throw problem('columns', `expected ${LADDER_COLUMNS.join(', ')}`);
  const entries = Object.entries(ladders).map(([id, ladder]) => {
    const packets = ladder.packets.map((row, p) =>
      Object.fromEntries(
        row.flatMap((value, c): Array<[string, unknown]> => {
          if (c === 0) return [['t', value]];
          // -1: an optional field absent before a present one (ladder-data.ts).
          if (value === -1 && c < LADDER_COLUMNS.length) return [];
          const text = strings[value];
          if (c >= LADDER_COLUMNS.length || text === undefined) throw problem(`ladders.${id}.packets[${p}][${c}]`, 'not a column or string of this file');
          return [[LADDER_COLUMNS[c]!, text]];
        }),
      ) as unknown as LadderPacket,
    );
    return [id, { ...ladder, packets } as Ladder] as const;
  });
  return Object.fromEntries(entries);
}

export interface Shard {
  /** The shard's JSON report, absolute. */
  file: string;
  report: RunReport;
  ladders: Record<string, Ladder> | null;
}

/**
 * The shard reports named on the command line: a file as given, a directory as every
 * `results.json` under it (the name `pinhole run` writes; evidence directories are not searched).
 * `exclude` is the merge's own output, which may sit in the same directory tree.
 */
export function shardFiles(inputs: readonly string[], exclude: string): string[] {
  const problems: string[] = [];
  const files: string[] = [];
  for (const input of inputs) {
    const abs = resolve(input);
    if (!existsSync(abs)) {
      problems.push(`${input}: cannot read pinhole report: no such file or directory`);
      continue;
    }
    if (!statSync(abs).isDirectory()) {
      files.push(abs);
      continue;
    }
    const found = findResults(abs).filter((f) => f !== exclude);
    if (found.length === 0) problems.push(`${input}: no results.json under this directory`);
    files.push(...found);
  }
  if (problems.length > 0) throw new InputError(problems);
  // A directory and a file inside it name that file twice: it is one shard.
  return [...new Set(files)];
}

function findResults(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'evidence' ? [] : findResults(path);
      return e.isFile() && e.name === 'results.json' ? [path] : [];
    });
}

/** Every shard read, or every problem of every file at once. */
export function readShards(files: readonly string[]): Shard[] {
  const problems: string[] = [];
  const shards: Shard[] = [];
  for (const file of files) {
    try {
      if (!existsSync(file)) throw new InputError(`${file}: cannot read pinhole report: no such file`);
      shards.push({ file, report: readJsonReport(file), ladders: readLaddersFile(laddersFileFor(file)) });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return shards;
}

export interface MergedRun {
  report: RunReport;
  ladders: Record<string, Ladder>;
  /** Shards that kept no ladders file: their cells have no ladder in the HTML report. */
  withoutLadders: string[];
}

/**
 * One report of all shards' cells, in the contract's order. The version is checked by the
 * reader (version 1 only); the driver and the cells here, naming the file at fault.
 */
export function mergeShards(shards: readonly Shard[]): MergedRun {
  const first = shards[0];
  if (first === undefined) throw new InputError('pinhole merge: no shard reports given');
  const problems: string[] = [];
  const ownerOf = new Map<string, string>();
  const cells: CellResult[] = [];
  const ladders: Record<string, Ladder> = {};
  for (const shard of shards) {
    if (shard.report.driver !== first.report.driver) {
      problems.push(`${shard.file}: driver: ${shard.report.driver}, but ${first.file} ran on ${first.report.driver}; shards of one run use one driver`);
      continue;
    }
    // One line per pair of files, not per cell: the same report given twice repeats every cell.
    const shared = new Map<string, { at: number; id: string; more: number }>();
    shard.report.results.forEach((cell, i) => {
      const owner = ownerOf.get(cell.id);
      if (owner !== undefined) {
        const seen = shared.get(owner);
        if (seen) seen.more += 1;
        else shared.set(owner, { at: i, id: cell.id, more: 0 });
        return;
      }
      ownerOf.set(cell.id, shard.file);
      cells.push(cell);
      const ladder = shard.ladders && Object.hasOwn(shard.ladders, cell.id) ? shard.ladders[cell.id] : undefined;
      if (ladder) ladders[cell.id] = ladder;
    });
    for (const [owner, { at, id, more }] of shared) {
      problems.push(`${shard.file}: results[${at}]: cell ${id}${more > 0 ? ` and ${more} more` : ''} ${more > 0 ? 'are' : 'is'} also in ${owner}; shards of one run never share a cell`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return {
    report: buildJsonReport(first.report.driver, cells),
    ladders,
    withoutLadders: shards.filter((s) => s.ladders === null && s.report.results.length > 0).map((s) => s.file),
  };
}

/**
 * Copies each cell's evidence directory from beside its shard's JSON to beside the merged JSON
 * and returns the cells with `evidence` relative to the merged JSON. A directory that is gone
 * (pruned after the run) is reported and its cell keeps none.
 */
export function relocateEvidence(shards: readonly Shard[], report: RunReport, mergedJson: string): { report: RunReport; missing: string[] } {
  const mergedDir = dirname(resolve(mergedJson));
  const sourceDir = new Map<string, string>();
  for (const shard of shards) for (const cell of shard.report.results) sourceDir.set(cell.id, dirname(shard.file));
  // The merged report starts without a previous merge's evidence, unless a shard's own
  // evidence lives there (merged JSON written beside a shard's): that must not be deleted.
  if (!shards.some((s) => dirname(s.file) === mergedDir)) rmSync(evidenceRoot(mergedJson), { recursive: true, force: true });
  const missing: string[] = [];
  const results = report.results.map((cell) => {
    const from = sourceDir.get(cell.id);
    if (cell.evidence === null || from === undefined) return cell;
    const src = resolve(from, cell.evidence);
    if (!existsSync(src)) {
      missing.push(src);
      return { ...cell, evidence: null };
    }
    const dest = join(evidenceRoot(mergedJson), evidenceDirName(cell.id));
    if (src !== dest) {
      rmSync(dest, { recursive: true, force: true });
      cpSync(src, dest, { recursive: true });
    }
    return { ...cell, evidence: relative(mergedDir, dest) };
  });
  return { report: { ...report, results }, missing };
}
