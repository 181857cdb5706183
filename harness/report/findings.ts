/**
 * What CI systems are told (GitHub annotations, GitLab Code Quality, SARIF): the cells that are
 * not as expected, grouped by the rule-set line that decided them. A reviewer reads "PASV RETR,
 * EPSV RETR: expected pass, blocked here" on the line that blocks them; a cell whose deciding
 * rule has no line (a chain's policy, or nothing traced) is told on its rule set file as a whole.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CellResult, RuleHit } from '../cell-contract.ts';
import { causeCode, type CauseCode, SECURITY_SCENARIOS } from '../model.ts';

/** How serious a finding is: an attack that got through, a violation, a cell that proved nothing. */
export type FindingLevel = 'attack' | 'violation' | 'inconclusive';

export interface Finding {
  level: FindingLevel;
  /** The file the finding is on: the rule set (or a frontend's configuration) file, absolute; undefined when the run does not know it. */
  file?: string;
  /** Its line; undefined when no rule with a line decided (the finding is on the file). */
  line?: number;
  /** The deciding rule as written, or the chain's policy; undefined when nothing was traced. */
  rule?: string;
  /**
   * The cause code shared by the cells (the first cell's, when they differ); `passed` for a cell
   * that passed where it should have been blocked (a pass has no cause).
   */
  code: CauseCode | 'passed' | 'unknown';
  cells: CellResult[];
  /** Where the cells' expectation was written (a check file's `expect:` key), when it was. */
  expectedAt?: ExpectationPlace;
}

/** A check file's expectation key and its line. */
export interface ExpectationPlace {
  file: string;
  line: number;
  key: string;
}

/** The hit that made the cell come out as it did: the drop of a blocked cell, the accept of a passed one. */
export function decidingHit(cell: CellResult): RuleHit | undefined {
  const connections = cell.attribution?.connections ?? [];
  if (cell.observed === 'blocked') {
    for (const c of connections) {
      if (c.dropped) return c.dropped.decidedBy;
      if (c.decidedBy && (c.decidedBy.verdict === 'drop' || c.decidedBy.verdict === 'reject')) return c.decidedBy;
    }
    return undefined;
  }
  // A passed cell (an attack that got through, a transfer that should have been blocked): the
  // rule that accepted its last connection, the data connection or the attack's own.
  if (cell.observed === 'pass') return connections.at(-1)?.decidedBy ?? undefined;
  return undefined;
}

function levelOf(cell: CellResult): FindingLevel | undefined {
  if (cell.verdict === 'inconclusive') return 'inconclusive';
  if (cell.verdict !== 'violation') return undefined;
  return SECURITY_SCENARIOS.has(cell.probe) && cell.observed === 'pass' ? 'attack' : 'violation';
}

/**
 * Where a hit is written: `edge.nft:17` beside the attributed rule set file; for a frontend's
 * rendering, the configuration element it came from (`rules:3: ...` in the configuration).
 */
function placeOfHit(cell: CellResult, hit: RuleHit | undefined, rulesetFile: string | undefined, textOf: (file: string) => string): { file?: string; line?: number } {
  const fromSource = hit?.source && cell.frontend ? /^([^:]+):(\d+):/.exec(hit.source) : null;
  if (fromSource && cell.frontend) {
    // The configuration is a file (ferm.conf) or a directory holding the file the source names.
    const config = cell.frontend.config;
    const file = basename(config) === fromSource[1] ? config : join(config, fromSource[1]!);
    return { file, line: Number(fromSource[2]) };
  }
  const ruleset = cell.frontend?.config ?? cell.attribution?.file ?? rulesetFile;
  const at = hit?.at ? /^(.*):(\d+)$/.exec(hit.at) : null;
  if (at && cell.attribution && !cell.frontend) return { file: join(dirname(cell.attribution.file), basename(at[1]!)), line: Number(at[2]) };
  // A chain's policy decided: told at the line that sets it, in the user's own file.
  if (hit?.rule.startsWith('policy ') && cell.attribution && !cell.frontend) {
    const line = policyLine(textOf(cell.attribution.file), hit.chain);
    if (line !== undefined) return { file: cell.attribution.file, line };
  }
  return ruleset === undefined ? {} : { file: ruleset };
}

/**
 * The line of a chain's policy in the rule set file (`chain forward { type filter hook forward
 * priority filter; policy drop;` in nft, `:FORWARD DROP [0:0]` in iptables-save): where a
 * policy drop is told. `chain` is the trace's `family table chain`. Hand-written: a line scan of
 * the two formats' headers, not a parser of either.
 */
export function policyLine(text: string, chain: string): number | undefined {
  const [family, table, name] = chain.split(' ');
  let inTable = false;
  let inChain = false;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    const saved = /^\*(\S+)$/.exec(line);
    if (saved) inTable = saved[1] === table;
    else if (inTable && line.startsWith(`:${name} `)) return i + 1;
    const nftTable = /^table\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?([^\s{]+)/.exec(line);
    if (nftTable) {
      inTable = (nftTable[1] ?? 'ip') === family && nftTable[2] === table;
      inChain = false;
      continue;
    }
    const nftChain = /^chain\s+([^\s{]+)/.exec(line);
    if (nftChain) inChain = inTable && nftChain[1] === name;
    if (inChain && /\bpolicy\s+\w+/.test(line)) return i + 1;
  }
  return undefined;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const LEVEL_ORDER: Record<FindingLevel, number> = { attack: 0, violation: 1, inconclusive: 2 };

/**
 * The findings of a run, most important first: attacks, then violations, then inconclusive
 * cells; then the most cells. `expectationOf`: where a cell's expectation was written;
 * `rulesetFileOf`: the rule set file of a cell that has no attribution to name it (an attack
 * cell, an inconclusive one).
 */
export function findingsOf(
  results: readonly CellResult[],
  expectationOf: (cell: CellResult) => ExpectationPlace | undefined = () => undefined,
  rulesetFileOf: (cell: CellResult) => string | undefined = () => undefined,
): Finding[] {
  const byPlace = new Map<string, Finding>();
  // Each rule set file read once, however many of its cells a policy decided.
  const texts = new Map<string, string>();
  const textOf = (file: string) => texts.get(file) ?? texts.set(file, readOrEmpty(file)).get(file)!;
  for (const cell of results) {
    const level = levelOf(cell);
    if (!level) continue;
    const hit = level === 'inconclusive' ? undefined : decidingHit(cell);
    const place = placeOfHit(cell, hit, rulesetFileOf(cell), textOf);
    const expectedAt = expectationOf(cell);
    const key = JSON.stringify([level, place.file ?? cell.ruleset, place.line ?? null, cell.expected, cell.observed, expectedAt?.line ?? null]);
    const found = byPlace.get(key);
    if (found) found.cells.push(cell);
    else byPlace.set(key, { level, ...place, ...(hit ? { rule: hit.rule } : {}), code: causeCode(cell.cause) ?? (cell.observed === 'pass' ? 'passed' : 'unknown'), cells: [cell], ...(expectedAt ? { expectedAt } : {}) });
  }
  return [...byPlace.values()].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || b.cells.length - a.cells.length || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
}

/** `PASV RETR, EPSV RETR` with the dimensions they share when not the defaults: `(proftpd, curl, explicit)`. */
function cellNames(cells: readonly CellResult[]): string {
  const names = cells.map((c) => [c.mode, c.command, ...(c.probe !== 'transfer' ? [c.probe] : []), ...(c.family !== 'ipv4' ? [c.family] : [])].join(' '));
  const shared = (k: 'serverKind' | 'clientKind' | 'tls') => (new Set(cells.map((c) => c[k])).size === 1 ? cells[0]![k] : undefined);
  const dims = [shared('serverKind'), shared('clientKind'), shared('tls') === 'none' ? undefined : shared('tls')].filter(Boolean);
  const listed = names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
  return `${listed}${dims.length ? ` (${dims.join(', ')})` : ''}`;
}

/** The finding in one sentence: which cells, what was expected, what happened here. */
export function describeFinding(f: Finding): string {
  const first = f.cells[0]!;
  const where = `${first.suite} ${first.ruleset} on ${first.topology}`;
  if (f.level === 'inconclusive') return `${cellNames(f.cells)} in ${where}: inconclusive, the cell proved nothing about the rule set: ${first.cause ?? 'no cause'}`;
  const what = f.level === 'attack' ? `the ${first.probe} attack got through` : `expected ${first.expected}, ${first.observed === 'blocked' ? 'blocked' : 'passed'}`;
  const by = f.rule === undefined ? 'no rule with a line decided (see the cause)' : f.rule.startsWith('policy ') ? `by the chain's ${f.rule}` : `${first.observed === 'blocked' ? 'dropped' : 'let through'} by this rule: ${f.rule}`;
  const said = f.expectedAt ? ` Expected by ${basename(f.expectedAt.file)}:${f.expectedAt.line} (${f.expectedAt.key}: ${first.expected}).` : '';
  return `${cellNames(f.cells)} in ${where}: ${what}; ${by}.${said} Cause: ${first.cause ?? 'none'}`;
}
