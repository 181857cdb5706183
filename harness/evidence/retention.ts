/**
 * Which cells are worth the extra work after they ran. Evidence follows Playwright's own
 * `retain-on-failure`: files for the cells a person will open (a violation, an inconclusive
 * cell, a cell nothing was expected of), none for a cell that did what its suite verified.
 * Verified advice re-runs a cell, so it is only sought where the outcome is not the one wanted.
 */
import type { Expectation, Outcome, Verdict } from '../model.ts';

export const EVIDENCE_POLICIES = ['failures', 'all', 'none'] as const;
export type EvidencePolicy = (typeof EVIDENCE_POLICIES)[number];
export const DEFAULT_EVIDENCE_POLICY: EvidencePolicy = 'failures';

/** What each policy keeps, for `--help` and error messages. */
export const EVIDENCE_POLICY_HELP = 'failures (default): violations, inconclusive cells and cells without expectation; all: every cell; none: no cell';

/** The run's policy: `--evidence` reaches Playwright's workers as PINHOLE_EVIDENCE. */
export function evidencePolicy(value: string | undefined = process.env.PINHOLE_EVIDENCE): EvidencePolicy {
  if (value === undefined || value === '') return DEFAULT_EVIDENCE_POLICY;
  if ((EVIDENCE_POLICIES as readonly string[]).includes(value)) return value as EvidencePolicy;
  throw new Error(`evidence policy ${JSON.stringify(value)} is not one of ${EVIDENCE_POLICIES.join(', ')}`);
}

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
