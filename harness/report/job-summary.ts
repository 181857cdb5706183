/**
 * The markdown pinhole appends to `$GITHUB_STEP_SUMMARY`: the run's page shows the matrix, each
 * finding with its cause and place, the attacks' outcome, and where the reports are.
 */
import type { CellResult } from '../cell-contract.ts';
import { SECURITY_SCENARIOS } from '../model.ts';
import { summarize } from '../verdict.ts';
import { describeFinding, findingsOf } from './findings.ts';
import { renderMatrix } from './matrix.ts';

/** Markdown's code fence cannot be closed by a matrix line: they hold no backticks, but a cause might. */
const fenced = (text: string) => `\`\`\`text\n${text.replace(/```/g, "'''")}\n\`\`\``;

export function jobSummary(title: string, results: readonly CellResult[], reports: readonly string[], place: (file: string, line?: number) => string, findings = findingsOf(results)): string {
  const counts = summarize(results);
  const said = Object.entries(counts).filter(([, n]) => n > 0).map(([v, n]) => `${n} ${v}`).join(', ');
  const out = [`## ${title}`, '', `${results.length} cells: ${said || 'none'}`, '', fenced(renderMatrix(results, { color: false }))];
  if (findings.length > 0) {
    out.push('', '### Findings', '');
    for (const f of findings) out.push(`- **${f.level}** ${f.file === undefined ? `in ${f.cells[0]!.ruleset}` : `at \`${place(f.file, f.line)}\``}: ${describeFinding(f).replace(/\n/g, ' ')}`);
  }
  const attacks = results.filter((c) => SECURITY_SCENARIOS.has(c.probe) && c.observed !== null);
  if (attacks.length > 0) {
    const through = attacks.filter((c) => c.observed === 'pass');
    out.push('', '### Attacks', '', `${attacks.length} attack cells: ${through.length} got through (${through.filter((c) => c.verdict === 'accepted').length} accepted by the check file), ${attacks.filter((c) => c.observed === 'blocked').length} blocked`);
  }
  if (reports.length > 0) out.push('', `Reports: ${reports.map((r) => `\`${r}\``).join(', ')}`);
  return `${out.join('\n')}\n`;
}
