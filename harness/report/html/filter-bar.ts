/**
 * The filter bar: one radio group per dimension (suite, verdict, observed outcome, mode) plus a
 * text box over id and cause. Radios rather than custom toggles: the browser already makes
 * them keyboard-operable and announces them. Only values present in the run are offered.
 */
import { MODES, type Outcome } from '../../model.ts';
import type { CellResult } from '../../cell-contract.ts';
import { VERDICTS } from '../../verdict.ts';
import { escapeHtml } from './html-escape.ts';
import { OUTCOME_WORD, outcomeKey, VERDICT_MARK, verdictClass } from './verdict-marks.ts';

interface Choice {
  value: string;
  label: string;
  mark?: string;
  className?: string;
}

export function renderFilterBar(results: readonly CellResult[]): string {
  const present = <T extends string>(all: readonly T[], of: (c: CellResult) => T) => {
    const seen = new Set(results.map(of));
    return all.filter((v) => seen.has(v));
  };
  const suites = [...new Set(results.map((c) => c.suite))];
  const outcomes: (Outcome | 'none')[] = ['pass', 'blocked', 'error', 'none'];
  return [
    `<form class="filters" role="search" aria-label="Filter cells">`,
    radioGroup('suite', 'Suite', suites.map((s) => ({ value: s, label: s }))),
    radioGroup(
      'verdict',
      'Verdict',
      present(VERDICTS, (c) => c.verdict).map((v) => ({ value: v, label: v, mark: VERDICT_MARK[v], className: verdictClass(v) })),
    ),
    // A skipped cell observed nothing: `nothing` here, so it does not read as the verdict `skipped`.
    radioGroup(
      'observed',
      'Observed',
      present(outcomes, outcomeKey).map((o) => ({ value: o, label: o === 'none' ? 'nothing' : OUTCOME_WORD[o] })),
    ),
    radioGroup('mode', 'Mode', present(MODES, (c) => c.mode).map((m) => ({ value: m, label: m }))),
    `<label class="search">Search <input type="search" name="text" placeholder="id or cause" autocomplete="off" spellcheck="false"></label>`,
    `<output class="count" aria-live="polite">Showing ${results.length} of ${results.length} cells</output>`,
    `</form>`,
  ].join('\n');
}

function radioGroup(name: string, legend: string, choices: readonly Choice[]): string {
  const options = [{ value: '', label: 'all' }, ...choices].map(
    (c: Choice) =>
      `<label class="chip${c.className === undefined ? '' : ` ${c.className}`}"><input type="radio" name="${name}" value="${escapeHtml(c.value)}"${c.value === '' ? ' checked' : ''}>` +
      `${c.mark === undefined || c.mark === '' ? '' : `<span class="mark" aria-hidden="true">${c.mark}</span>`}${escapeHtml(c.label)}</label>`,
  );
  return `<fieldset data-filter="${name}"><legend>${legend}</legend>${options.join('')}</fieldset>`;
}
