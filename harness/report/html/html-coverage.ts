/**
 * The HTML report's rule coverage: each rule set file as the user wrote it, a line per line with
 * the number of cells whose traced packets reached that rule, in the style of a code coverage
 * report (harness/report/coverage.ts). Rules no cell reached are marked. The file is read again
 * here, so every line (comments, headers) shows in its place; one this machine does not have is
 * left out.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { RulesetCoverage } from '../../cell-contract.ts';
import { escapeHtml } from './html-escape.ts';

export function renderHtmlCoverage(coverage: readonly RulesetCoverage[] | undefined): string {
  const files = (coverage ?? []).filter((rs) => existsSync(rs.file));
  if (files.length === 0) return '';
  const sections = files.map((rs) => {
    const byLine = new Map(rs.rules.map((r) => [r.line, r]));
    const reached = rs.rules.filter((r) => r.cells.length > 0).length;
    const rows = readFileSync(rs.file, 'utf8')
      .replace(/\n$/, '')
      .split('\n')
      .map((text, i) => {
        const rule = byLine.get(i + 1);
        const cls = rule === undefined ? '' : rule.cells.length > 0 ? ' class="hit"' : ' class="miss"';
        const hits = rule === undefined ? '' : rule.cells.length > 0 ? `${rule.cells.length} cell${rule.cells.length === 1 ? '' : 's'}` : 'no cell';
        return `<tr${cls}><td class="ln">${i + 1}</td><td class="hits">${hits}</td><td><code>${escapeHtml(text)}</code></td></tr>`;
      })
      .join('\n');
    return `<details class="coverage-file"><summary>${escapeHtml(rs.file)}: ${reached} of ${rs.rules.length} rules reached</summary>\n<table class="coverage">\n${rows}\n</table></details>`;
  });
  return `<section id="coverage" aria-label="Rule coverage"><h2>Rule coverage</h2><p>Per rule, the cells whose first packets (or their replies) met it, from the firewall's own trace.</p>\n${sections.join('\n')}\n</section>`;
}
