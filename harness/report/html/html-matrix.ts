/**
 * The HTML matrix, drawn as the terminal draws it (matrix.ts, matrixGrid): one table per suite
 * and topology, rule sets (with their non-default scenarios) down, modes and commands across, so
 * a check of one rule set is a grid, not one long column. Every cell is a button naming its
 * outcome and verdict in words, with `data-cell` pointing into the report's results.
 */
import { variantOf, type CellResult } from '../../cell-contract.ts';
import { groupBy } from '../group-by.ts';
import { columnLabel, matrixGrid } from '../matrix.ts';
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
  const { rows, columns, cellsAt } = matrixGrid(group.map(({ cell }) => cell));
  const indexOf = new Map(group.map(({ cell, index }) => [cell, index]));

  const head = `<tr><th scope="col" class="scenario">rule set</th>` + columns.map((col, c) => `<th scope="col" data-col="${c}">${escapeHtml(columnLabel(col))}</th>`).join('') + `</tr>`;
  const body = rows
    .map((row) => {
      const tds = columns.map((col, c) => {
        const slot = cellsAt(row, col);
        if (slot.length === 0) {
          return `<td data-col="${c}" class="absent"><span aria-hidden="true">·</span><span class="sr-only">not run</span></td>`;
        }
        // Cells that differ only by client or server node share a slot; each keeps its button.
        return `<td data-col="${c}">${slot.map((cell) => cellButton(cell, indexOf.get(cell)!, slot.length > 1)).join('')}</td>`;
      });
      return `<tr><th scope="row" class="scenario">${escapeHtml(row)}</th>${tds.join('')}</tr>`;
    })
    .join('\n');

  const title = `${first.suite} on ${first.topology}`;
  return (
    `<section class="group" data-suite="${escapeHtml(first.suite)}" aria-labelledby="group-${g}">\n` +
    `<h2 id="group-${g}">${escapeHtml(title)}</h2>\n` +
    `<div class="table-wrap"><table class="matrix">\n` +
    `<caption class="sr-only">${escapeHtml(title)}: rule sets in rows, modes and commands in columns</caption>\n` +
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
