/**
 * The truth table a suite spec file states in its header comment, read as data, and checked
 * against the cells the code declares (test/suites/truth-headers.spec.ts): one truth per suite.
 *
 * The header format, kept regular so that this parser stays small:
 *
 *   rule set                   PORT     EPRT     PASV     EPSV      why
 *   no-helper                  blocked  blocked  blocked  blocked   prose, which may go on
 *                                                                   on deeper-indented lines
 *
 * - A heading line: columns apart by two spaces or more. First the key columns, naming a
 *   dimension of the cells (`rule set`, and where the table splits on more: `topology`, `tls`,
 *   `client`, `server`, `probe`, `family`, `command`; a note in parentheses may follow, as in
 *   `rule set (fw)`), then one verdict column per mode (`PORT`, or `IPv6 EPRT` for one family),
 *   then any prose columns (`why`, `observed`, `cause`).
 * - A row: at the heading's indentation, one word per key column (names have no spaces), one
 *   `pass` or `blocked` per verdict column, then prose.
 * - A line indented deeper than the heading carries on the prose; a blank line ends the table.
 * - A dimension the table has no column for is not split on: the row covers every value of it
 *   (ftp-stateful's rows cover RETR, STOR, LIST, session and concurrent alike).
 * - A header without a table of its own names the one file beside it whose header has it
 *   (ftp-dnat.spec.ts names dnat-cells.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { CellMeta } from '../../harness/cell-contract.ts';
import { MODES, type Expectation, type Mode } from '../../harness/model.ts';
import { cellId } from '../../harness/cell-contract.ts';

/** The dimensions a key column may name, as the `pinhole-cell` annotation spells them. */
export const KEY_COLUMNS = {
  'rule set': 'ruleset',
  topology: 'topology',
  tls: 'tls',
  client: 'clientKind',
  server: 'serverKind',
  probe: 'probe',
  family: 'family',
  command: 'command',
} as const;
export type KeyDimension = (typeof KEY_COLUMNS)[keyof typeof KEY_COLUMNS];

const FAMILIES = { IPv4: 'ipv4', IPv6: 'ipv6' } as const;
const WORDS: readonly string[] = ['pass', 'blocked'] satisfies Expectation[];

/** A cell as `--list` declares it: the `pinhole-cell` annotation, and the spec file it is in. */
export type DeclaredCell = CellMeta & { specFile: string };

export interface VerdictColumn {
  heading: string;
  mode: Mode;
  family?: string;
}

export interface TruthRow {
  /** 1-based line in the file. */
  line: number;
  /** The row's key words, as written (`curl no-helper`). */
  label: string;
  keys: Partial<Record<KeyDimension, string>>;
  verdicts: Array<{ column: VerdictColumn; word: Expectation }>;
}

export interface TruthHeader {
  /** The file whose header holds the table (the spec file, or the file it names). */
  file: string;
  rows: TruthRow[];
  /** What is not in the format, as `file:line: message`. */
  problems: string[];
}

/** The leading comment of a source file: its lines without the comment markers, with their line numbers. */
export function headerLines(source: string): Array<{ line: number; text: string }> {
  const lines = source.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const out: Array<{ line: number; text: string }> = [];
  if (lines[i]?.trimStart().startsWith('/*')) {
    for (; i < lines.length; i++) {
      const raw = lines[i]!;
      const end = raw.includes('*/');
      const text = raw.replace(/\*\/.*$/, '').replace(/^\s*\/\*\*?/, '').replace(/^\s*\* ?/, '');
      out.push({ line: i + 1, text });
      if (end) break;
    }
  } else {
    for (; i < lines.length && /^\s*\/\//.test(lines[i]!); i++) out.push({ line: i + 1, text: lines[i]!.replace(/^\s*\/\/ ?/, '') });
  }
  return out;
}

const indentOf = (text: string) => text.length - text.trimStart().length;

function keyColumn(cell: string): KeyDimension | undefined {
  const name = cell.replace(/\s*\(.*\)$/, '');
  return Object.hasOwn(KEY_COLUMNS, name) ? KEY_COLUMNS[name as keyof typeof KEY_COLUMNS] : undefined;
}

function verdictColumn(cell: string): VerdictColumn | undefined {
  const m = /^(?:(IPv4|IPv6) )?(\w+)$/.exec(cell);
  if (!m || !(MODES as readonly string[]).includes(m[2]!)) return undefined;
  return { heading: cell, mode: m[2] as Mode, ...(m[1] ? { family: FAMILIES[m[1] as keyof typeof FAMILIES] } : {}) };
}

interface Heading {
  indent: number;
  keys: KeyDimension[];
  columns: VerdictColumn[];
}

/** The heading a line is, or why it is not one when it looks like one (two mode columns or more). */
function heading(text: string): Heading | string | undefined {
  const cells = text.trim().split(/\s{2,}/);
  const keys: KeyDimension[] = [];
  let i = 0;
  for (let k: KeyDimension | undefined; i < cells.length && (k = keyColumn(cells[i]!)); i++) keys.push(k);
  const columns: VerdictColumn[] = [];
  for (let c: VerdictColumn | undefined; i < cells.length && (c = verdictColumn(cells[i]!)); i++) columns.push(c);
  const looksLikeOne = cells.filter((c) => verdictColumn(c)).length >= 2;
  if (keys.length > 0 && columns.length > 0) {
    if (!keys.includes('ruleset')) return 'a table heading needs a `rule set` column';
    if (new Set(keys).size < keys.length) return 'a key column appears twice';
    if (new Set(columns.map((c) => c.heading)).size < columns.length) return 'a verdict column appears twice';
    return { indent: indentOf(text), keys, columns };
  }
  if (!looksLikeOne) return undefined;
  return `not a table heading: it must start with key columns (${Object.keys(KEY_COLUMNS).join(', ')}), two spaces or more apart, then the mode columns`;
}

/** The truth table rows of a header (its own, or those of the file it names). */
export function readTruthHeader(specFile: string, root: string): TruthHeader {
  const own = parseTruthTable(specFile, readFileSync(specFile, 'utf8'), root);
  if (own.rows.length > 0 || own.problems.length > 0) return own;
  const rel = relative(root, specFile);
  const named = [...new Set(headerLines(readFileSync(specFile, 'utf8')).flatMap(({ text }) => text.match(/[\w.-]+\.ts\b/g) ?? []))]
    .map((name) => join(dirname(specFile), name))
    .filter((f) => f !== specFile && existsSync(f));
  if (named.length !== 1) {
    const which = named.length === 0 ? 'names no file beside it' : `names ${named.map((f) => basename(f)).join(', ')}`;
    return { file: specFile, rows: [], problems: [`${rel}: the header has no truth table, and ${which} whose header has one`] };
  }
  const other = parseTruthTable(named[0]!, readFileSync(named[0]!, 'utf8'), root);
  if (other.rows.length === 0 && other.problems.length === 0) other.problems.push(`${relative(root, named[0]!)}: no truth table in the header (named by ${rel})`);
  return other;
}

/** The truth table rows in the header of `source`, the text of `file`. */
export function parseTruthTable(file: string, source: string, root: string): TruthHeader {
  const rel = relative(root, file);
  const rows: TruthRow[] = [];
  const problems: string[] = [];
  let table: Heading | undefined;
  for (const { line, text } of headerLines(source)) {
    if (text.trim() === '') {
      table = undefined;
      continue;
    }
    if (table && indentOf(text) > table.indent) continue;
    const h = heading(text);
    if (typeof h === 'string') {
      problems.push(`${rel}:${line}: ${h}: ${text.trim()}`);
      table = undefined;
      continue;
    }
    if (h) {
      table = h;
      continue;
    }
    if (!table) continue;
    if (indentOf(text) < table.indent) {
      table = undefined;
      continue;
    }
    const words = text.trim().split(/\s+/);
    const names = words.slice(0, table.keys.length);
    const verdicts = words.slice(table.keys.length, table.keys.length + table.columns.length);
    if (verdicts.length < table.columns.length || !verdicts.every((w) => WORDS.includes(w))) {
      problems.push(
        `${rel}:${line}: a row needs ${table.keys.length} name(s), then pass or blocked for each of ${table.columns.map((c) => c.heading).join(', ')}: ${text.trim()}`,
      );
      continue;
    }
    rows.push({
      line,
      label: names.join(' '),
      keys: Object.fromEntries(table.keys.map((k, i) => [k, names[i]!])),
      verdicts: table.columns.map((column, i) => ({ column, word: verdicts[i] as Expectation })),
    });
  }
  return { file, rows, problems };
}

const MAX_IDS = 8;
function ids(cells: DeclaredCell[]): string {
  const all = cells.map((c) => cellId(c));
  return all.length <= MAX_IDS ? all.join(', ') : `${all.slice(0, MAX_IDS).join(', ')} and ${all.length - MAX_IDS} more`;
}

/**
 * Where the header and the declared cells disagree, one line each: a row and column whose word
 * is not the `expected` of a cell it covers, or that covers no cell; a cell that no row covers.
 */
export function compareTruth(header: TruthHeader, cells: DeclaredCell[], root: string): string[] {
  const rel = relative(root, header.file);
  const problems = [...header.problems];
  const covered = new Set<DeclaredCell>();
  for (const row of header.rows) {
    for (const { column, word } of row.verdicts) {
      const where = `${rel}:${row.line} row '${row.label}' column ${column.heading}`;
      const select: Partial<Record<keyof CellMeta, string>> = { ...row.keys, mode: column.mode, ...(column.family ? { family: column.family } : {}) };
      const matched = cells.filter((c) => Object.entries(select).every(([k, v]) => c[k as keyof CellMeta] === v));
      matched.forEach((c) => covered.add(c));
      if (matched.length === 0) problems.push(`${where}: the header says ${word}, but the code declares no such cell`);
      const other = matched.filter((c) => c.expected !== word);
      if (other.length > 0) problems.push(`${where}: the header says ${word}, the code expects ${other[0]!.expected} in ${other.length} of ${matched.length} cell(s): ${ids(other)}`);
    }
  }
  const uncovered = cells.filter((c) => !covered.has(c));
  for (const specFile of new Set(uncovered.map((c) => c.specFile))) {
    const of = uncovered.filter((c) => c.specFile === specFile);
    problems.push(`${rel}: no header row covers ${of.length} cell(s) declared in ${specFile}: ${ids(of)}`);
  }
  return problems;
}
