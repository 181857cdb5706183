/**
 * Which cells are worth the extra work after they ran. Evidence follows Playwright's own
 * `retain-on-failure`: files for the cells a person will open (a violation, an inconclusive
 * cell, a cell nothing was expected of), none for a cell that did what its suite verified.
 * Verified advice re-runs a cell, so it is only sought where the outcome is not the one wanted.
 */
import type { Expectation, Outcome, Verdict } from '../model.ts';
import type { EvidencePolicy } from '../run-config.ts';

export function keepsEvidence(policy: EvidencePolicy, verdict: Verdict): boolean {
  if (policy === 'all') return true;
  if (policy === 'none') return false;
  return verdict !== 'compliant';
}

/**
 * Advice makes a blocked transfer pass. Worth its re-runs when passing is what the user wants:
 * a cell expected to pass, or one nothing was expected of (explore, diff). A cell expected to
 * be blocked and blocked is compliant: advice would only undo what the suite requires.
 */
export function wantsAdvice(expected: Expectation | null, observed: Outcome): boolean {
  return observed === 'blocked' && expected !== 'blocked';
}
