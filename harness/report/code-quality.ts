/**
 * A GitLab Code Quality report (a JSON array of findings) for `artifacts: reports: codequality:`:
 * the merge request's widget and its diff show each finding on its line.
 */
import { createHash } from 'node:crypto';
import { describeFinding, type Finding } from './findings.ts';

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  /** Stable across runs: the same finding keeps its fingerprint, so GitLab can tell new from fixed. */
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number } };
}

const SEVERITY = { attack: 'critical', violation: 'major', inconclusive: 'minor' } as const;

/** `path(file)`: the file relative to the project's directory, with `/`. */
export function codeQualityReport(findings: readonly Finding[], path: (file: string) => string): CodeQualityIssue[] {
  return findings.map((f) => {
    // A finding whose file the run does not know is told on the rule set's name.
    const location = { path: f.file === undefined ? f.cells[0]!.ruleset : path(f.file), lines: { begin: f.line ?? 1 } };
    // The rule's place and the cells' ids, not the wording: a reworded message keeps its fingerprint.
    const identity = JSON.stringify([f.level, location.path, f.line ?? null, f.cells.map((c) => c.id).sort()]);
    return {
      description: describeFinding(f),
      check_name: `pinhole-${f.code}`,
      fingerprint: createHash('sha256').update(identity).digest('hex').slice(0, 32),
      severity: SEVERITY[f.level],
      location,
    };
  });
}
