/**
 * `pinhole merge`: the reports of `pinhole run --shard i/n` on several machines joined into the
 * JSON, JUnit and HTML reports and the matrix one machine would have produced, with the exit
 * code `pinhole run` would have given. Nothing runs: no host check, no lab.
 */
import { resolve } from 'node:path';
import { evidenceFiles } from '../evidence/evidence-files.ts';
import { evidenceLinks } from '../report/html/evidence-links.ts';
import { htmlReportFile, writeHtmlReport } from '../report/html-report.ts';
import { writeJsonReport } from '../report/json-report.ts';
import { writeJUnitReport } from '../report/junit-report.ts';
import { renderMatrix } from '../report/matrix.ts';
import { mergeShards, readShards, relocateEvidence, shardFiles } from '../report/merge-reports.ts';
import { exitCodeFor } from '../verdict.ts';
import { type CiOptions, publishFindings } from './ci-outputs.ts';

export interface MergeOptions extends CiOptions {
  json: string;
  junit: string;
  html: string;
}

export async function mergeCommand(inputs: readonly string[], opts: MergeOptions): Promise<number> {
  const json = resolve(opts.json);
  const shards = readShards(shardFiles(inputs, json));
  const merged = mergeShards(shards);
  const { report, missing } = relocateEvidence(shards, merged.report, json);

  writeJsonReport(json, report);
  writeJUnitReport(resolve(opts.junit), report.driver, report.results, (cell) => evidenceFiles(json, cell));
  const html = htmlReportFile(opts.html);
  writeHtmlReport(html, { report, ladders: merged.ladders, ...evidenceLinks(json, html, report.results), title: `pinhole ${report.driver} run (${shards.length} shards merged)` });

  for (const file of merged.withoutLadders) process.stderr.write(`pinhole: ${file}: no ladders file beside it (not a --shard run?); its cells have no ladder in the HTML report\n`);
  for (const dir of missing) process.stderr.write(`pinhole: ${dir}: evidence directory gone; its cell links none\n`);
  process.stdout.write(`${renderMatrix(report.results, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`);
  process.stdout.write(`\nmerged ${shards.length} shards: ${shards.map((s) => s.file).join(', ')}\nreports: ${json}, ${resolve(opts.junit)}, ${html}\n`);
  if (report.results.length === 0) {
    process.stderr.write('pinhole: no cell in any shard\n');
    return 1;
  }
  publishFindings(`pinhole ${report.driver} run (${shards.length} shards merged)`, report.results, [json, resolve(opts.junit), html], opts);
  return exitCodeFor(report.results);
}
