/**
 * How a violating cell fails in Playwright without costing a new worker and a new lab.
 *
 * Playwright stops a worker after any test whose status differs from its expected status, and
 * offers no option against it (microsoft/playwright#32803: "I don't think this is going to
 * happen"). The next cell then waits for a new worker process and a new lab: about 2.4 s per
 * violation, measured on an 18-cell check with 8 violations (9 s -> 28 s). So the two halves of
 * Playwright are told different, documented things:
 *
 * - in the worker, a violating cell is declared an expected failure (`test.fail()`), with an
 *   annotation saying why: the assertion still runs and fails, the worker and its lab carry on;
 * - in the runner, pinhole's reporter, which Playwright calls before every reporter listed
 *   after it, turns the test back into an unexpected failure (`expectedStatus = 'passed'`):
 *   `list`, `json`, `junit`, a user's own reporter, and Playwright's exit status (computed from
 *   the tests' outcomes at the end) all see a failed test.
 *
 * The worker declares the expected failure only when pinhole's reporter is first in the run's
 * configuration (`reporterRestoresViolations`); in any other configuration a violation is a
 * plain failure, and the worker restart is the price of a truthful outcome.
 */
import type { TestCase, TestResult } from '@playwright/test/reporter';
import type { FullConfig } from '@playwright/test';

/** The annotation a violating cell carries while it is declared an expected failure. */
export const VIOLATION_ANNOTATION = 'pinhole-violation';

/** The module Playwright loads as pinhole's reporter: `pinhole-reporter.ts`, or the compiled `.js`. */
const PINHOLE_REPORTER = /[\\/]pinhole-reporter\.[cm]?[jt]s$/;

/** True when pinhole's reporter runs before every other reporter of `config`. */
export function reporterRestoresViolations(config: Pick<FullConfig, 'reporter'>): boolean {
  const [first] = config.reporter;
  return first !== undefined && PINHOLE_REPORTER.test(first[0]);
}

/**
 * In the runner: a test the worker declared an expected failure because it is a violation
 * becomes the unexpected failure it is, before any later reporter sees it. Returns true when
 * it did.
 */
export function restoreViolation(test: TestCase, result: TestResult): boolean {
  if (!result.annotations.some((a) => a.type === VIOLATION_ANNOTATION)) return false;
  if (test.expectedStatus !== 'failed' || result.status !== 'failed') return false;
  // Both are plain data the runner just copied from the worker's message.
  (test as { expectedStatus: TestCase['expectedStatus'] }).expectedStatus = 'passed';
  const notFail = (a: { type: string }) => a.type !== 'fail';
  test.annotations.splice(0, test.annotations.length, ...test.annotations.filter(notFail));
  result.annotations.splice(0, result.annotations.length, ...result.annotations.filter(notFail));
  return true;
}
