/**
 * `pinhole check --update`: what the cells observed, written into the check file as its
 * expectations, the way Playwright updates snapshots. A user starts from the truth of today's
 * rule set, reviews the diff, commits it, and from then on CI fails on any change of behaviour.
 *
 * The keys are kept short: one per mode (its majority outcome), a two-word key for a value
 * whose cells in that mode all went the other way (`PASV implicit: blocked`), and a full key
 * (every dimension) for any cell the shorter keys would still get wrong, which makes the result
 * exact by construction: it is checked against every cell before it is written. Attacks are
 * never recorded: they are expected blocked, and one that got through needs a written reason
 * (`accept:`), not an expectation. Cells that observed an error or were skipped say nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument, YAMLMap } from 'yaml';
import type { CellResult } from '../cell-contract.ts';
import { parseExpectationKey } from '../expectations/check-file.ts';
import { MODES, SECURITY_SCENARIOS, type Expectation } from '../model.ts';
import { keyMatches, type PlannedCellDims } from './plan-check.ts';

type Observed = PlannedCellDims & { outcome: Expectation };

const dimsOf = (c: CellResult): PlannedCellDims => ({ mode: c.mode, command: c.command, serverKind: c.serverKind, client: c.clientKind, family: c.family, tls: c.tls, scenario: c.probe });

/** The cells of one check that say something a file can record. */
export function recordable(results: readonly CellResult[]): Observed[] {
  return results.flatMap((c) => (SECURITY_SCENARIOS.has(c.probe) || (c.observed !== 'pass' && c.observed !== 'blocked') ? [] : [{ ...dimsOf(c), outcome: c.observed }]));
}

/** What `keys` expect of `cell`: the most specific matching key's result; undefined when none or when they disagree. */
function resolve(keys: ReadonlyMap<string, Expectation>, cell: PlannedCellDims): Expectation | undefined {
  let best: { words: number; results: Set<Expectation> } | undefined;
  for (const [text, result] of keys) {
    const key = parseExpectationKey(text);
    if (typeof key === 'string' || !keyMatches(key, cell)) continue;
    const words = Object.keys(key).length;
    if (!best || words > best.words) best = { words, results: new Set([result]) };
    else if (words === best.words) best.results.add(result);
  }
  return best && best.results.size === 1 ? [...best.results][0] : undefined;
}

const fullKey = (c: PlannedCellDims) => [c.mode, c.command, c.serverKind, c.client, c.family === 'ipv6' ? 'IPv6' : 'IPv4', c.tls, c.scenario].join(' ');

export function expectationsFrom(cells: readonly Observed[]): Map<string, Expectation> {
  const keys = new Map<string, Expectation>();
  for (const mode of MODES) {
    const inMode = cells.filter((c) => c.mode === mode);
    if (inMode.length === 0) continue;
    const passing = inMode.filter((c) => c.outcome === 'pass').length;
    const majority: Expectation = passing * 2 >= inMode.length ? 'pass' : 'blocked';
    const other: Expectation = majority === 'pass' ? 'blocked' : 'pass';
    keys.set(mode, majority);
    // A value whose every cell in this mode went the other way gets one key of its own.
    const values = (c: Observed) => [c.command, c.serverKind, c.client, c.family === 'ipv6' ? 'IPv6' : 'IPv4', c.tls, c.scenario];
    for (const value of new Set(inMode.flatMap(values))) {
      const group = inMode.filter((c) => values(c).includes(value));
      if (group.length > 1 && group.length < inMode.length && group.every((c) => c.outcome === other)) keys.set(`${mode} ${value}`, other);
    }
  }
  // Whatever the short keys get wrong, or leave in dispute, a full key settles.
  for (const c of cells) if (resolve(keys, c) !== c.outcome) keys.set(fullKey(c), c.outcome);
  const wrong = cells.filter((c) => resolve(keys, c) !== c.outcome);
  if (wrong.length > 0) throw new Error(`unreachable: recorded keys miss ${wrong.map(fullKey).join(', ')}`);
  return keys;
}

/**
 * Writes `keys` as the `expect:` of check `index` in `file`, keeping the rest of the file (its
 * comments and the other checks) as it was.
 */
export function writeExpectations(file: string, recorded: ReadonlyArray<{ index: number; keys: ReadonlyMap<string, Expectation> }>): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  for (const { index, keys } of recorded) {
    const map = new YAMLMap();
    // Modes first, in protocol order, each followed by its narrower keys.
    const order = (k: string) => MODES.indexOf(k.split(' ')[0] as (typeof MODES)[number]) * 100 + k.split(' ').length;
    for (const k of [...keys.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b))) map.set(k, keys.get(k));
    doc.setIn(['checks', index, 'expect'], map);
  }
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
}
