/**
 * The HTML report: one self-contained file that opens from disk (file://) with nothing to
 * fetch. A summary, the matrix per suite and topology with filters, and a detail panel per
 * cell with its cause, advice, evidence links and ladder diagram. The run's JSON report rides
 * along in a `<script type="application/json">`, so the file is also the data. The panels are
 * drawn from it when a cell is opened, with two more such scripts for what the JSON report
 * lacks: the ladders and a few derived strings per cell (ladder-data.ts, detail-data.ts). As
 * pre-rendered markup they made a 738-cell report 17 MB; as data it is under 2 MB.
 *
 * A Content-Security-Policy allows only the page's own inline style and script, by hash: if a
 * recorded string ever slipped past escaping, the browser would still run none of it and load
 * nothing from anywhere.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Ladder } from '../evidence/ladder.ts';
import type { CellResult, RunReport } from '../cell-contract.ts';
import { summarize, VERDICTS } from '../verdict.ts';
import { detailTable } from './html/detail-data.ts';
import { renderFilterBar } from './html/filter-bar.ts';
import { escapeHtml, jsonForScript } from './html/html-escape.ts';
import { renderHtmlCoverage } from './html/html-coverage.ts';
import { renderHtmlMatrix } from './html/html-matrix.ts';
import { ladderTable } from './html/ladder-data.ts';
import { VERDICT_MARK, verdictClass } from './html/verdict-marks.ts';

export interface HtmlReportInput {
  report: RunReport;
  /** Ladder diagrams by cell id; a cell without one says so in its panel. */
  ladders: Record<string, Ladder>;
  /** The cell's evidence directory as an href relative to the HTML file; null for none (see evidenceLinks). */
  evidenceHref: (cell: CellResult) => string | null;
  /** File names in each cell's evidence directory, by cell id, linked one by one; else the directory is. */
  evidenceFiles?: Record<string, readonly string[]>;
  title?: string;
}

/** `--html` takes a file (`x.html`) or a directory, which gets an `index.html`. */
export function htmlReportFile(target: string): string {
  return resolve(/\.html?$/i.test(target) ? target : join(target, 'index.html'));
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const { report } = input;
  const title = input.title ?? 'pinhole report';
  const style = asset('report-style.css');
  // In this order: each script uses what the ones before it define.
  const scripts = [asset('ladder-draw.js'), asset('detail-draw.js'), asset('report-client.js')];
  const csp = [
    "default-src 'none'",
    `style-src '${sha256(style)}'`,
    `script-src ${scripts.map((s) => `'${sha256(s)}'`).join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  const details = detailTable(report.results, (cell) => ({ href: input.evidenceHref(cell), files: input.evidenceFiles?.[cell.id] ?? [] }));

  return `<!doctype html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
${summaryLine(report)}
</header>
${renderFilterBar(report.results)}
<main id="matrix">
${report.results.length === 0 ? '<p>No cells in this run.</p>' : renderHtmlMatrix(report.results)}
<p class="no-match" hidden>No cell matches these filters.</p>
</main>
${renderHtmlCoverage(report.coverage)}
<aside id="detail" class="detail" aria-label="Cell detail" tabindex="-1" hidden>
<button type="button" class="close" aria-label="Close detail">×</button>
<div class="detail-body"></div>
</aside>
<script type="application/json" id="pinhole-report">${jsonForScript(report)}</script>
<script type="application/json" id="pinhole-details">${jsonForScript(details)}</script>
<script type="application/json" id="pinhole-ladders">${jsonForScript(ladderTable(report.results, input.ladders))}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}

export function writeHtmlReport(file: string, input: HtmlReportInput): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderHtmlReport(input), 'utf8');
}

/** Counts per verdict in the matrix's order, and the driver the run used. */
function summaryLine(report: RunReport): string {
  const counts = summarize(report.results);
  const n = report.results.length;
  const parts = VERDICTS.filter((v) => counts[v] > 0).map((v) => {
    const mark = VERDICT_MARK[v];
    return `<span class="count-chip ${verdictClass(v)}">${mark === '' ? '' : `<span aria-hidden="true">${mark}</span> `}${counts[v]} ${v === 'violation' && counts[v] !== 1 ? 'violations' : v}</span>`;
  });
  return `<p class="summary"><strong>${n} ${n === 1 ? 'cell' : 'cells'}</strong> on the <code>${escapeHtml(report.driver)}</code> driver${parts.length > 0 ? ': ' : ''}${parts.join(' ')}</p>`;
}

/**
 * Style and script live beside this module as real .css/.js files (editable with their own
 * tooling) and are inlined at render time. Neither may contain its own closing tag, or the
 * inlined copy would end early.
 */
function asset(name: string): string {
  const text = readFileSync(new URL(`./html/${name}`, import.meta.url), 'utf8');
  if (/<\/(script|style)/i.test(text)) throw new Error(`${name}: must not contain a closing </script> or </style> tag`);
  return text;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
