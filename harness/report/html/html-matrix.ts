/**
 * The HTML matrix: one table per suite and topology, scenarios down and rule sets across, so a
 * rule set reads as a column of verdicts and comparing two rule sets is a glance sideways.
 * (The terminal matrix is the other way round because rule-set names are the long labels
 * there and a terminal is wide, not tall.) Every cell is a button naming its outcome and
 * verdict in words, with `data-cell` pointing into the report's results.
 */
import { FAMILIES, FTP_COMMANDS, MODES } from '../../model.ts';
import { variantOf, type CellResult } from '../../cell-contract.ts';
import { groupBy } from '../group-by.ts';
import { escapeHtml } from './html-escape.ts';
import { OUTCOME_WORD, outcomeKey, VERDICT_MARK, verdictClass } from './verdict-marks.ts';

/** `PORT RETR`, `PASV STOR curl`, `EPSV RETR over IPv6`: mode, command, then what is not default. */
export function scenarioLabel(c: CellResult): string {
  const family = c.family === 'ipv6' ? ' over IPv6' : '';
  return [c.mode, c.command, ...variantOf({ ...c, family: undefined })].join(' ') + family;
}

/** `results[index]` is the cell a button opens; the page script looks it up by that index. */
export function renderHtmlMatrix(results: readonly CellResult[]): string {
  const indexed = results.map((cell, index) => ({ cell, index }));
  return groupBy(indexed, ({ cell }) => `${cell.suite}\0${cell.topology}`)
    .map((group, g) => renderGroup(group, g))
    .join('\n');
}

interface Indexed {
  cell: CellResult;
  index: number;
}

function renderGroup(group: readonly Indexed[], g: number): string {
  const first = group[0]?.cell;
  if (first === undefined) return '';
  const rulesets = [...new Set(group.map(({ cell }) => cell.ruleset))];
  const rows = groupBy(group, ({ cell }) => scenarioLabel(cell)).sort((a, b) => compareRows(a[0]?.cell, b[0]?.cell));

  const head =
    `<tr><th scope="col" class="scenario">scenario</th>` +
    rulesets.map((r, col) => `<th scope="col" data-col="${col}">${escapeHtml(r)}</th>`).join('') +
    `</tr>`;
  const body = rows
    .map((row) => {
      const label = row[0] === undefined ? '' : scenarioLabel(row[0].cell);
      const tds = rulesets.map((ruleset, col) => {
        const slot = row.filter(({ cell }) => cell.ruleset === ruleset);
        if (slot.length === 0) {
          return `<td data-col="${col}" class="absent"><span aria-hidden="true">·</span><span class="sr-only">not run</span></td>`;
        }
        // Cells that differ only by client or server node share a slot; each keeps its button.
        return `<td data-col="${col}">${slot.map(({ cell, index }) => cellButton(cell, index, slot.length > 1)).join('')}</td>`;
      });
      return `<tr><th scope="row" class="scenario">${escapeHtml(label)}</th>${tds.join('')}</tr>`;
    })
    .join('\n');

  const title = `${first.suite} on ${first.topology}`;
  return (
    `<section class="group" data-suite="${escapeHtml(first.suite)}" aria-labelledby="group-${g}">\n` +
    `<h2 id="group-${g}">${escapeHtml(title)}</h2>\n` +
    `<div class="table-wrap"><table class="matrix">\n` +
    `<caption class="sr-only">${escapeHtml(title)}: scenarios in rows, rule sets in columns</caption>\n` +
    `<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table></div>\n</section>`
  );
}

function cellButton(cell: CellResult, index: number, showNodes: boolean): string {
  const word = OUTCOME_WORD[outcomeKey(cell)];
  const mark = VERDICT_MARK[cell.verdict];
  const nodes = showNodes ? ` (${cell.client} → ${cell.server})` : '';
  const expected = cell.expected === null || cell.observed === null ? '' : `, expected ${cell.expected}`;
  const judged = cell.verdict === 'observed' || cell.verdict === 'skipped' ? '' : `: ${cell.verdict}`;
  const name = `${cell.ruleset}, ${scenarioLabel(cell)}${nodes}: ${word}${expected}${judged}`;
  return (
    `<button type="button" class="cell ${verdictClass(cell.verdict)}" data-cell="${index}" aria-controls="detail" aria-expanded="false" ` +
    `aria-label="${escapeHtml(name)}"><span class="word">${escapeHtml(word + nodes)}</span>` +
    (mark === '' ? '' : ` <span class="mark" aria-hidden="true">${mark}</span>`) +
    `</button>`
  );
}

/** Protocol order (PORT, EPRT, PASV, EPSV; IPv4 first; RETR, STOR, LIST), not name order. */
function compareRows(a: CellResult | undefined, b: CellResult | undefined): number {
  if (a === undefined || b === undefined) return 0;
  const label = (c: CellResult) => scenarioLabel(c);
  return (
    MODES.indexOf(a.mode) - MODES.indexOf(b.mode) ||
    FAMILIES.indexOf(a.family) - FAMILIES.indexOf(b.family) ||
    FTP_COMMANDS.indexOf(a.command) - FTP_COMMANDS.indexOf(b.command) ||
    (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0)
  );
}
