// The two halves of a violating cell's outcome (harness/report/violation-outcome.ts): the worker
// declares the expected failure only when pinhole's reporter comes first, and the reporter turns
// exactly those tests, and nothing else, back into failures.
import { expect, test } from '@playwright/test';
import type { TestCase, TestResult } from '@playwright/test/reporter';
import { reporterRestoresViolations, restoreViolation, VIOLATION_ANNOTATION } from '../../harness/report/violation-outcome.ts';

test('the worker relies on the reporter only when pinhole\'s reporter is the first one', () => {
  expect(reporterRestoresViolations({ reporter: [['/x/harness/report/pinhole-reporter.ts', {}], ['list', {}]] })).toBe(true);
  expect(reporterRestoresViolations({ reporter: [['/x/node_modules/pinhole/harness/report/pinhole-reporter.js', {}]] })).toBe(true);
  expect(reporterRestoresViolations({ reporter: [['list', {}], ['/x/harness/report/pinhole-reporter.ts', {}]] })).toBe(false);
  expect(reporterRestoresViolations({ reporter: [['json', {}]] })).toBe(false);
  expect(reporterRestoresViolations({ reporter: [] })).toBe(false);
});

function ended(status: TestResult['status'], expectedStatus: TestCase['expectedStatus'], annotations: Array<{ type: string; description?: string }>) {
  const testCase = { expectedStatus, annotations: [...annotations] } as unknown as TestCase;
  const result = { status, annotations: [...annotations] } as unknown as TestResult;
  return { testCase, result };
}

const declared = [{ type: 'fail', description: 'a violation' }, { type: VIOLATION_ANNOTATION, description: 'why' }];

test('a violation declared an expected failure becomes an unexpected failure, without the "fail" annotation', () => {
  const { testCase, result } = ended('failed', 'failed', declared);
  expect(restoreViolation(testCase, result)).toBe(true);
  expect(testCase.expectedStatus).toBe('passed');
  expect(testCase.annotations.map((a) => a.type)).toEqual([VIOLATION_ANNOTATION]);
  expect(result.annotations.map((a) => a.type)).toEqual([VIOLATION_ANNOTATION]);
});

test('anything else is left as Playwright reported it', () => {
  // A user's own test.fail() that failed as declared: an expected failure, untouched.
  const own = ended('failed', 'failed', [{ type: 'fail' }]);
  expect(restoreViolation(own.testCase, own.result)).toBe(false);
  expect(own.testCase.expectedStatus).toBe('failed');
  // A declared violation whose assertion then passed cannot happen; if it did, Playwright's
  // "expected to fail, but passed" failure stands.
  const passed = ended('passed', 'failed', declared);
  expect(restoreViolation(passed.testCase, passed.result)).toBe(false);
  expect(passed.testCase.expectedStatus).toBe('failed');
  // A cell that timed out after the declaration: already a failure for Playwright.
  const timedOut = ended('timedOut', 'failed', declared);
  expect(restoreViolation(timedOut.testCase, timedOut.result)).toBe(false);
});
