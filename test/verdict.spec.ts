// The verdict table every reporter and the exit code rely on.
import { test, expect } from '@playwright/test';
import type { Expectation, Outcome, Verdict } from '../harness/model.ts';
import type { CellResult } from '../harness/cell-contract.ts';
import { makeCell } from './support/make-cell.ts';
import { exitCodeFor, judge, summarize } from '../harness/verdict.ts';

const cell = (ruleset: string, expected: Expectation | null, observed: Outcome | null): CellResult => makeCell({ ruleset }, expected, observed);

test.describe('judge', () => {
  // Every expected x observed combination, written out so the table is the spec.
  const table: [Expectation | null, Outcome | null, Verdict][] = [
    ['pass', 'pass', 'compliant'],
    ['pass', 'blocked', 'violation'],
    ['pass', 'error', 'inconclusive'],
    ['pass', null, 'skipped'],
    ['blocked', 'pass', 'violation'],
    ['blocked', 'blocked', 'compliant'],
    ['blocked', 'error', 'inconclusive'],
    ['blocked', null, 'skipped'],
    [null, 'pass', 'observed'],
    [null, 'blocked', 'observed'],
    [null, 'error', 'observed'],
    [null, null, 'skipped'],
  ];
  for (const [expected, observed, verdict] of table) {
    test(`expected ${expected} observed ${observed} -> ${verdict}`, () => {
      expect(judge(expected, observed)).toBe(verdict);
    });
  }
  // A check file's accepted attack: only an attack expected blocked that got through is accepted;
  // every other combination is judged as without the reason.
  test('an accepted reason turns only blocked -> pass into accepted', () => {
    expect(judge('blocked', 'pass', 'by design')).toBe('accepted');
    for (const [expected, observed, verdict] of table.filter(([e, o]) => !(e === 'blocked' && o === 'pass'))) expect(judge(expected, observed, 'by design')).toBe(verdict);
  });
});

test('summarize counts every verdict, zeros included', () => {
  const cells = [
    cell('a', 'pass', 'pass'),
    cell('b', 'blocked', 'blocked'),
    cell('c', 'pass', 'blocked'),
    cell('d', 'pass', 'error'),
    cell('e', 'pass', null),
    cell('f', null, 'blocked'),
  ];
  expect(summarize(cells)).toEqual({ compliant: 2, violation: 1, inconclusive: 1, skipped: 1, observed: 1, accepted: 0 });
  expect(summarize([{ verdict: 'accepted' }])).toMatchObject({ accepted: 1 });
  expect(summarize([])).toEqual({ compliant: 0, violation: 0, inconclusive: 0, skipped: 0, observed: 0, accepted: 0 });
});

test.describe('exitCodeFor', () => {
  test('0 when every cell is compliant, observed or skipped', () => {
    expect(exitCodeFor([cell('a', 'pass', 'pass'), cell('b', null, 'error'), cell('c', 'blocked', null)])).toBe(0);
  });
  test('0 when an attack got through that the check file accepts', () => {
    expect(exitCodeFor([cell('a', 'pass', 'pass'), { ...cell('b', 'blocked', 'pass'), verdict: 'accepted', accepted: 'by design' }])).toBe(0);
  });
  test('0 for an empty run', () => {
    expect(exitCodeFor([])).toBe(0);
  });
  test('1 on any violation', () => {
    expect(exitCodeFor([cell('a', 'pass', 'pass'), cell('b', 'blocked', 'pass')])).toBe(1);
  });
  test('1 on any inconclusive', () => {
    expect(exitCodeFor([cell('a', 'pass', 'pass'), cell('b', 'blocked', 'error')])).toBe(1);
  });
});
