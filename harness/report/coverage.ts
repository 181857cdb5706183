/**
 * Rule coverage of a run: for every rule set file the cells' attributions point into, each of its
 * rules with the cells whose traced packets it accepted, dropped or matched on the way, and the
 * rules no cell reached. From the cells' attributions (harness/evidence/attribution.ts), i.e. from
 * the firewall's own trace: a rule no traced first packet met is "reached by no cell", which is
 * what a user asks before deleting it. Of a connection's later packets, only the one a rule dropped
 * or rejected is counted: a rule that accepted only later packets (an established rule narrowed
 * to one direction) may show as reached by none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { CellResult, RuleCoverage, RulesetCoverage } from '../cell-contract.ts';
import { detectFormat } from '../rulesets/load-ruleset.ts';
import { fileRules } from '../rulesets/rule-lines.ts';

export function coverageOf(cells: readonly CellResult[]): RulesetCoverage[] {
  const byFile = new Map<string, CellResult[]>();
  for (const c of cells) if (c.attribution) byFile.set(c.attribution.file, [...(byFile.get(c.attribution.file) ?? []), c]);
  const out: RulesetCoverage[] = [];
  for (const [file, fileCells] of byFile) {
    // A report merged or read elsewhere may name a file this machine does not have.
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const name = basename(file);
    const rules: RuleCoverage[] = [...fileRules(text, detectFormat(text))]
      .flatMap(([chain, list]) => list.map((r) => ({ at: `${name}:${r.line}`, line: r.line, chain, rule: r.text, hits: { accept: 0, drop: 0, matched: 0 }, cells: [] as string[] })))
      .sort((a, b) => a.line - b.line);
    const byAt = new Map(rules.map((r) => [r.at, r]));
    for (const cell of fileCells) {
      for (const conn of cell.attribution!.connections) {
        for (const hit of [...conn.path, ...(conn.reply?.path ?? []), ...(conn.dropped ? [conn.dropped.decidedBy] : [])]) {
          const rule = hit.at === undefined ? undefined : byAt.get(hit.at);
          if (!rule) continue;
          if (hit.verdict === 'accept') rule.hits.accept++;
          else if (hit.verdict === 'drop' || hit.verdict === 'reject') rule.hits.drop++;
          else rule.hits.matched++;
          if (!rule.cells.includes(cell.id)) rule.cells.push(cell.id);
        }
      }
    }
    const frontend = fileCells.find((c) => c.frontend)?.frontend;
    out.push({ file, ...(frontend ? { renderedBy: `${frontend.kind} ${frontend.version} from ${frontend.config}` } : {}), rules });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** The matrix's coverage section: one line per rule set, and the rules no cell reached. */
export function renderCoverage(coverage: readonly RulesetCoverage[]): string {
  if (coverage.length === 0) return '';
  const lines = ['rule coverage (each rule that a traced first packet met, from the firewall\'s trace):'];
  for (const rs of coverage) {
    const reached = rs.rules.filter((r) => r.cells.length > 0);
    lines.push(`  ${rs.file}: ${reached.length} of ${rs.rules.length} rules reached${rs.renderedBy ? ` (rendered by ${rs.renderedBy})` : ''}`);
    // A rendering's unreached rules are mostly the frontend's own scaffolding, not lines the
    // user wrote: the JSON report lists them all, the terminal does not.
    if (rs.renderedBy) continue;
    for (const r of rs.rules.filter((r) => r.cells.length === 0)) lines.push(`    ${r.at} reached by no cell: ${r.rule}`);
  }
  return lines.join('\n');
}
