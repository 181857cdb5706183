/**
 * Redundancy found by experiment (`explore --minimize`): for each rule that accepted some cell's
 * packet (by the cells' attributions), the rule set without that one line, every cell run again
 * on the same lab, and the outcomes compared. A rule whose deletion changes no outcome can go;
 * the proof is the re-run, as with advice. One rule at a time: two rules that each can go alone
 * may not both go (a passive range and a helper, each enough alone), which the report says.
 */
import type { CellAsk, CellResult, MinimizeFinding } from '../cell-contract.ts';
import type { Lab } from '../lab/lab.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { scenarioRunner } from '../scenarios/run-scenario.ts';

/** The accepting rules the cells' traces name, by their line in the file, in file order. */
function acceptingRules(results: readonly CellResult[]): Array<{ at: string; line: number; rule: string }> {
  const found = new Map<string, { at: string; line: number; rule: string }>();
  for (const c of results) {
    for (const conn of c.attribution?.connections ?? []) {
      for (const hit of [conn.decidedBy, conn.reply?.decidedBy]) {
        if (!hit || hit.verdict !== 'accept' || hit.at === undefined) continue;
        found.set(hit.at, { at: hit.at, line: Number(hit.at.slice(hit.at.lastIndexOf(':') + 1)), rule: hit.rule });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.line - b.line);
}

/** The rule set's text with its `line` (1-based) left out. */
export function withoutLine(text: string, line: number): string {
  return text
    .split('\n')
    .filter((_, i) => i !== line - 1)
    .join('\n');
}

export async function minimizeRuleset(lab: Lab, ruleset: Ruleset, results: readonly CellResult[], asks: ReadonlyMap<string, CellAsk>): Promise<MinimizeFinding[]> {
  const findings: MinimizeFinding[] = [];
  const observed = results.filter((c) => c.observed !== null && asks.has(c.id));
  for (const rule of acceptingRules(results)) {
    const without: Ruleset = { ...ruleset, text: withoutLine(ruleset.text, rule.line) };
    const changed: MinimizeFinding['changed'] = [];
    try {
      for (const cell of observed) {
        const { observation } = await scenarioRunner(lab, asks.get(cell.id)!).run(without);
        if (observation.outcome !== cell.observed) changed.push({ id: cell.id, from: cell.observed!, to: observation.outcome });
      }
      findings.push({ at: rule.at, rule: rule.rule, removable: changed.length === 0, changed });
    } catch (err) {
      // The rule set without this line does not load (a rule another one refers to).
      findings.push({ at: rule.at, rule: rule.rule, removable: false, changed, note: `the rule set does not load without it: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` });
    }
  }
  return findings;
}

/** The matrix's section for --minimize. */
export function renderMinimize(findings: readonly MinimizeFinding[]): string {
  if (findings.length === 0) return 'minimize: no rule accepted a traced packet, nothing to try';
  const lines = ['minimize (each accepting rule deleted alone, every cell run again):'];
  for (const f of findings) {
    const what = f.removable ? 'can go: no outcome changes without it' : f.note ?? `needed: ${f.changed.length} cell${f.changed.length === 1 ? '' : 's'} change (${f.changed.slice(0, 4).map((c) => `${c.id.split('/').pop()} ${c.from} -> ${c.to}`).join(', ')}${f.changed.length > 4 ? ', ...' : ''})`;
    lines.push(`  ${f.at} ${f.rule}: ${what}`);
  }
  if (findings.filter((f) => f.removable).length > 1) lines.push('  (each was deleted alone: rules that can each go may not all go together)');
  return lines.join('\n');
}
