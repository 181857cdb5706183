/**
 * Turns what a suite expected and what the probe observed into a verdict. Pure, so every
 * reporter and the exit code agree on the same table.
 */
import type { Expectation, Outcome, Verdict } from './model.ts';

/** What counting verdicts needs of a cell. */
type Judged = { readonly verdict: Verdict };

export const VERDICTS = ['compliant', 'violation', 'inconclusive', 'skipped', 'observed', 'accepted'] as const satisfies readonly Verdict[];

/** `accepted`: the check file's reason for letting this cell's attack through (harness/expectations/check-file.ts). */
export function judge(expected: Expectation | null, observed: Outcome | null, accepted?: string): Verdict {
  // Order matters: a skipped cell has nothing to judge even in explore runs, and an explore
  // cell (no expectation) is reported as seen even when the probe broke.
  if (observed === null) return 'skipped';
  if (expected === null) return 'observed';
  // `error` says the probe or server broke, so it proves nothing about the firewall either way.
  if (observed === 'error') return 'inconclusive';
  if (observed === expected) return 'compliant';
  // Accepted, not compliant: the report says the attack got through, and who said that is fine.
  return accepted !== undefined && expected === 'blocked' ? 'accepted' : 'violation';
}

export type VerdictCounts = Record<Verdict, number>;

export function summarize(cells: readonly Judged[]): VerdictCounts {
  const counts: VerdictCounts = { compliant: 0, violation: 0, inconclusive: 0, skipped: 0, observed: 0, accepted: 0 };
  for (const cell of cells) counts[cell.verdict] += 1;
  return counts;
}

/**
 * 0 when nothing contradicts an expectation. Inconclusive fails the run too: a broken probe
 * must not let a rule set pass CI unproven. Skipped does not, as in kselftest, so a host that
 * lacks a driver can still run the rest.
 */
export function exitCodeFor(cells: readonly Judged[]): 0 | 1 {
  const { violation, inconclusive } = summarize(cells);
  return violation + inconclusive > 0 ? 1 : 0;
}
