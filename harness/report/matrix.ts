/**
 * The terminal view: one table per suite and topology, rule sets down, (mode, command) across.
 * Every cell carries a word and a mark so it reads the same without colour (CI logs, pipes,
 * colour-blind readers); colour only adds emphasis.
 */
import { FAMILIES, FTP_COMMANDS, MODES, type Family, type FtpCommand, type Mode, type Outcome, type Verdict } from '../model.ts';
import { variantOf, type CellResult } from '../cell-contract.ts';
import { coverageOf, renderCoverage } from './coverage.ts';
import { groupBy } from './group-by.ts';

export interface MatrixOptions {
  color: boolean;
  /** Which cells may get a detail line below the table (default all); a caller that explains some cells itself leaves them out. */
  details?: (cell: CellResult) => boolean;
}

type Style = 'green' | 'red' | 'yellow' | 'dim' | 'bold';
type Paint = (style: Style | null, text: string) => string;

// Each style closes with its own reset (39 for colours, 22 for intensity) so styles nest safely.
const ANSI: Record<Style, [string, string]> = {
  green: ['\x1b[32m', '\x1b[39m'],
  red: ['\x1b[31m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  bold: ['\x1b[1m', '\x1b[22m'],
};

const WORD: Record<Outcome | 'skipped', string> = { pass: 'pass', blocked: 'block', error: 'ERROR', skipped: 'skip' };
const MARK: Record<Verdict, string> = { compliant: '✓', violation: '✗', inconclusive: '?', skipped: '', observed: '', accepted: '!' };
const STYLE: Record<Verdict, Style | null> = {
  compliant: 'green',
  violation: 'red',
  inconclusive: 'yellow',
  skipped: 'dim',
  observed: null,
  accepted: 'yellow',
};
const GAP = '  ';
/** A rule set the group never ran in that column. */
const ABSENT = '-';

export interface Column {
  mode: Mode;
  family: Family;
  command: FtpCommand;
}

/** IPv4 is the unmarked case; an IPv6 column or cell says so. */
const overFamily = (family: Family) => (family === 'ipv6' ? ' over IPv6' : '');

/** A table cell: `text` is what the reader sees, `styled` the same text with ANSI codes. */
interface Cell {
  text: string;
  styled: string;
}

export function renderMatrix(cells: readonly CellResult[], opts: MatrixOptions): string {
  if (cells.length === 0) return 'no cells';
  const paint: Paint = (style, text) => (opts.color && style !== null ? `${ANSI[style][0]}${text}${ANSI[style][1]}` : text);
  const blocks = groupBy(cells, (c) => JSON.stringify([c.suite, c.topology])).map((group) => renderGroup(group, paint, opts.details ?? (() => true)));
  const coverage = renderCoverage(coverageOf(cells));
  return [...blocks, ...(coverage ? [coverage] : []), summaryLines(cells, paint).join('\n')].join('\n\n');
}

/**
 * The grid both matrices draw, the terminal's and the HTML report's: a row per rule set, or rule
 * set with a non-default scenario (`nft-helper curl explicit`); a column per (mode, family,
 * command) the group ran, in protocol order; the address family is a column (`EPSV over IPv6`),
 * not a row. Every cell of a slot is kept: two share one only when they differ by client or
 * server node name alone.
 */
export interface MatrixGrid {
  rows: string[];
  columns: Column[];
  cellsAt(row: string, column: Column): CellResult[];
  rowOf(cell: CellResult): string;
}

export function matrixGrid(group: readonly CellResult[]): MatrixGrid {
  const rowOf = (c: CellResult) => [c.ruleset, ...variantOf({ ...c, family: undefined })].join(' ');
  const slot = (row: string, col: Column) => `${row}\0${col.mode}\0${col.family}\0${col.command}`;
  const bySlot = new Map<string, CellResult[]>();
  for (const cell of group) {
    const key = slot(rowOf(cell), cell);
    bySlot.set(key, [...(bySlot.get(key) ?? []), cell]);
  }
  return { rows: [...new Set(group.map(rowOf))], columns: columnsOf(group), cellsAt: (row, col) => bySlot.get(slot(row, col)) ?? [], rowOf };
}

/** `PORT RETR`, `EPSV RETR over IPv6`: a column's name. */
export function columnLabel(col: Column): string {
  return `${col.mode} ${col.command}${overFamily(col.family)}`;
}

function renderGroup(group: readonly CellResult[], paint: Paint, explain: (cell: CellResult) => boolean): string {
  const first = group[0];
  if (first === undefined) return '';
  const { rows: rulesets, columns, cellsAt, rowOf } = matrixGrid(group);

  const plain = (text: string): Cell => ({ text, styled: text });
  const sameGroup = (a: Column | undefined, b: Column) => a?.mode === b.mode && a.family === b.family;
  const modeRow = [plain(''), ...columns.map((col, i) => plain(sameGroup(columns[i - 1], col) ? '' : `${col.mode}${overFamily(col.family)}`))];
  const commandRow = [plain(''), ...columns.map((col) => plain(col.command))];
  const bodyRows = rulesets.map((ruleset) => [
    plain(ruleset),
    ...columns.map((col) => {
      // First cell wins a slot; the detail lines below still list every non-compliant cell.
      const [cell] = cellsAt(ruleset, col);
      return cell === undefined ? plain(ABSENT) : matrixCell(cell, paint);
    }),
  ]);

  const rows = [modeRow, commandRow, ...bodyRows];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.text.length ?? 0))) ?? [];
  const table = rows.map((row) =>
    row
      // Pad by the ANSI-free text so colour codes do not skew the columns.
      .map((cell, i) => cell.styled + ' '.repeat((widths[i] ?? 0) - cell.text.length))
      .join(GAP)
      .trimEnd(),
  );

  const order = (c: CellResult) =>
    rulesets.indexOf(rowOf(c)) * columns.length + columns.findIndex((col) => col.mode === c.mode && col.command === c.command);
  const details = [...group]
    .sort((a, b) => order(a) - order(b))
    .filter(explain)
    .map((cell) => detailLine(cell, paint))
    .filter((line): line is string => line !== null);
  // Skipped cells say why once per reason, not once per cell (a host without Docker skips them all).
  const skipped = groupBy(
    group.filter((c) => c.verdict === 'skipped' && c.cause !== null),
    (c) => c.cause!,
  ).map((cells) => paint('dim', `${cells.length} ${cells.length === 1 ? 'cell' : 'cells'} skipped (${cells.map((c) => `${c.mode} ${c.command}`).join(', ')}): ${cells[0]!.cause}`));

  return [paint('bold', `${first.suite} on ${first.topology}`), ...table, ...details, ...skipped].join('\n');
}

/** The (mode, family, command) triples the group ran, mode-major, in protocol order rather than by name. */
function columnsOf(group: readonly CellResult[]): Column[] {
  const present = new Set(group.map((c) => `${c.mode} ${c.family} ${c.command}`));
  return MODES.flatMap((mode) =>
    FAMILIES.flatMap((family) =>
      FTP_COMMANDS.filter((command) => present.has(`${mode} ${family} ${command}`)).map((command) => ({ mode, family, command })),
    ),
  );
}

function matrixCell(cell: CellResult, paint: Paint): Cell {
  const mark = MARK[cell.verdict];
  const text = `${WORD[cell.observed ?? 'skipped']}${mark === '' ? '' : ` ${mark}`}`;
  return { text, styled: paint(STYLE[cell.verdict], text) };
}

/** Why a cell is not green, so nobody has to open the JSON to find the cause. */
function detailLine(cell: CellResult, paint: Paint): string | null {
  const where = [cell.ruleset, cell.mode, cell.command, ...variantOf({ ...cell, family: undefined })].join(' ') + overFamily(cell.family);
  const because = cell.cause === null ? '' : ` — ${cell.cause}`;
  if (cell.verdict === 'violation' || cell.verdict === 'inconclusive') {
    const mark = paint(STYLE[cell.verdict], MARK[cell.verdict]);
    return `${mark} ${where}: expected ${cell.expected ?? 'nothing'}, observed ${cell.observed ?? 'nothing'}${because}${adviceLines(cell)}`;
  }
  if (cell.verdict === 'accepted') return `${paint(STYLE.accepted, MARK.accepted)} ${where}: the attack got through, accepted by the check file: "${cell.accepted ?? ''}"${because}`;
  if (cell.verdict === 'observed' && cell.observed !== 'pass') return `${where}: ${cell.observed ?? 'nothing'}${because}${adviceLines(cell)}`;
  return null;
}

/** The fix under the line that needs it, indented so the change can be copied as it stands. */
function adviceLines(cell: CellResult): string {
  if (!cell.advice) return '';
  const how = cell.advice.verified ? 'passes with this change (verified by re-running the cell)' : 'may pass with this change (not verified)';
  return `\n    ${how}:\n${cell.advice.change.split('\n').map((l) => `      ${l}`).join('\n')}`;
}

/**
 * Judged cells (with an expectation) and explore cells are counted apart: "60 compliant" and
 * "60 pass" answer different questions, and a run may hold both.
 */
function summaryLines(cells: readonly CellResult[], paint: Paint): string[] {
  const judged = cells.filter((c) => c.expected !== null);
  const explored = cells.filter((c) => c.expected === null);
  const lines: string[] = [];
  if (judged.length > 0) {
    const count = (v: Verdict) => judged.filter((c) => c.verdict === v).length;
    const parts = [
      paint(count('compliant') > 0 ? 'green' : null, `${count('compliant')} compliant`),
      ...optional(count('violation'), (n) => paint('red', `${n} ${n === 1 ? 'violation' : 'violations'}`)),
      ...optional(count('inconclusive'), (n) => paint('yellow', `${n} inconclusive`)),
      ...optional(count('accepted'), (n) => paint('yellow', `${n} accepted`)),
      ...optional(count('skipped'), (n) => paint('dim', `${n} skipped`)),
    ];
    lines.push(`${cellsWord(judged.length)}: ${parts.join(', ')}`);
  }
  if (explored.length > 0) {
    const count = (o: Outcome | null) => explored.filter((c) => c.observed === o).length;
    const parts = [
      `${count('pass')} pass`,
      `${count('blocked')} blocked`,
      `${count('error')} error`,
      ...optional(count(null), (n) => paint('dim', `${n} skipped`)),
    ];
    lines.push(`${cellsWord(explored.length)} observed: ${parts.join(', ')}`);
  }
  // Which cells have evidence depends on --evidence; each cell's `evidence` in the JSON says where.
  const kept = cells.filter((c) => c.evidence !== null).length;
  lines.push(`evidence kept for ${kept} of ${cellsWord(cells.length)}`);
  return lines;
}

function optional(n: number, render: (n: number) => string): string[] {
  return n === 0 ? [] : [render(n)];
}

function cellsWord(n: number): string {
  return `${n} ${n === 1 ? 'cell' : 'cells'}`;
}
