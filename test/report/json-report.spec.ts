// The JSON contract: stable order, version 1, and a reader that refuses anything else.
import { readFileSync, writeFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { InputError } from '../../harness/errors.ts';
import type { Expectation, Outcome } from '../../harness/model.ts';
import type { CellResult } from '../../harness/cell-contract.ts';
import { makeCell, type CellPlace } from '../support/make-cell.ts';
import { buildJsonReport, readJsonReport, writeJsonReport } from '../../harness/report/json-report.ts';

const cell = (at: CellPlace, expected: Expectation | null, observed: Outcome | null, cause: string | null = null): CellResult =>
  makeCell(at, expected, observed, { cause, durationMs: 12 });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error('expected an Error to be thrown');
}

const shuffled: CellResult[] = [
  cell({ ruleset: 'no-helper', mode: 'EPSV', command: 'LIST' }, 'pass', 'pass'),
  cell({ ruleset: 'helper', mode: 'PASV', command: 'STOR' }, 'pass', 'pass'),
  cell({ suite: 'ftp-nat', ruleset: 'helper', mode: 'PORT', command: 'RETR' }, 'pass', 'pass'),
  cell({ ruleset: 'helper', mode: 'PORT', command: 'LIST' }, 'pass', 'blocked', 'data-blocked'),
  cell({ ruleset: 'helper', mode: 'EPRT', command: 'RETR' }, 'pass', 'error', 'server-refused: 500 EPRT'),
  cell({ topology: 'bridged', ruleset: 'helper', mode: 'PORT', command: 'RETR' }, 'pass', null, 'no docker'),
  cell({ ruleset: 'helper', mode: 'PORT', command: 'RETR' }, 'pass', 'pass'),
  cell({ ruleset: 'helper', mode: 'PORT', command: 'STOR' }, 'pass', 'pass'),
];

test('buildJsonReport is version 1 and sorts by suite, topology, ruleset, mode, command', () => {
  const report = buildJsonReport('netns', shuffled);
  expect(report.version).toBe(1);
  expect(report.driver).toBe('netns');
  expect(report.results.map((c) => c.id)).toEqual([
    'ftp-nat/routed/helper/PORT-RETR',
    'ftp-stateful/bridged/helper/PORT-RETR',
    'ftp-stateful/routed/helper/PORT-RETR',
    'ftp-stateful/routed/helper/PORT-STOR',
    'ftp-stateful/routed/helper/PORT-LIST',
    'ftp-stateful/routed/helper/EPRT-RETR',
    'ftp-stateful/routed/helper/PASV-STOR',
    'ftp-stateful/routed/no-helper/EPSV-LIST',
  ]);
});

test('the order does not depend on the input order, and the input is not mutated', () => {
  const before = shuffled.map((c) => c.id);
  const forward = buildJsonReport('netns', shuffled).results;
  const backward = buildJsonReport('netns', [...shuffled].reverse()).results;
  expect(backward).toEqual(forward);
  expect(shuffled.map((c) => c.id)).toEqual(before);
});

test('round trip through writeJsonReport and readJsonReport', ({}, testInfo) => {
  const file = testInfo.outputPath('nested', 'dir', 'report.json');
  const report = buildJsonReport('docker', shuffled);
  writeJsonReport(file, report);
  expect(readJsonReport(file)).toEqual(report);
});

test('the file is pretty JSON ending in a newline', ({}, testInfo) => {
  const file = testInfo.outputPath('report.json');
  writeJsonReport(file, buildJsonReport('netns', shuffled.slice(0, 1)));
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('}\n')).toBe(true);
  expect(text).toContain('\n  "version": 1,\n');
});

test.describe('readJsonReport refuses what is not a version-1 pinhole report', () => {
  const cases: [string, string, RegExp][] = [
    ['package.json', JSON.stringify({ name: 'pinhole', version: '0.1.0' }), /version/],
    ['future.json', JSON.stringify({ version: 2, driver: 'netns', results: [] }), /version/],
    ['bad-cell.json', JSON.stringify({ version: 1, driver: 'netns', results: [{ ...shuffled[0], mode: 'SPDY' }] }), /results\[0\]\.mode/],
    ['broken.json', '{"version": 1,', /invalid JSON/],
  ];
  for (const [name, content, detail] of cases) {
    test(name, ({}, testInfo) => {
      const file = testInfo.outputPath(name);
      writeFileSync(file, content);
      const caught = thrown(() => readJsonReport(file));
      expect(caught).toBeInstanceOf(InputError);
      const message = caught.message;
      expect(message).toContain(`${file}: not a version-1 pinhole report`);
      expect(message).toMatch(detail);
    });
  }

  test('every problem is listed, each naming the file', ({}, testInfo) => {
    const file = testInfo.outputPath('two-problems.json');
    writeFileSync(file, JSON.stringify({ version: 1, driver: 'vm', results: [{ ...shuffled[0], verdict: 'maybe' }] }));
    const caught = thrown(() => readJsonReport(file));
    expect(caught).toBeInstanceOf(InputError);
    const problems = (caught as InputError).problems;
    expect(problems.slice(1)).toEqual([expect.stringMatching(/: driver: /), expect.stringMatching(/: results\[0\]\.verdict: /)]);
    for (const problem of problems) expect(problem.startsWith(`${file}: `)).toBe(true);
  });
});
