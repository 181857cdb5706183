// The JUnit file as CI reads it: parsed back, so the test checks the XML, not our builder calls.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { XMLParser } from 'fast-xml-parser';
import type { Expectation, Outcome } from '../../harness/model.ts';
import type { CellResult } from '../../harness/cell-contract.ts';
import { makeCell, type CellPlace } from '../support/make-cell.ts';
import { writeJUnitReport } from '../../harness/report/junit-report.ts';

const cell = (at: CellPlace, expected: Expectation | null, observed: Outcome | null, cause: string | null, durationMs = 250): CellResult =>
  makeCell(at, expected, observed, { cause, durationMs });

const cells: CellResult[] = [
  cell({ ruleset: 'no-helper', mode: 'PORT', command: 'RETR' }, 'blocked', 'blocked', 'data-blocked', 1500),
  cell({ ruleset: 'no-helper', mode: 'PASV', command: 'RETR' }, 'blocked', 'pass', 'data-connected'),
  cell({ ruleset: 'no-helper', mode: 'EPSV', command: 'STOR' }, 'pass', 'error', 'server-refused: 500 EPSV'),
  cell({ ruleset: 'helper', mode: 'PORT', command: 'RETR' }, 'pass', 'pass', null),
  cell({ ruleset: 'helper', mode: 'EPRT', command: 'LIST' }, 'pass', null, 'host lacks nf_conntrack_ftp'),
  cell({ topology: 'nat', ruleset: 'open', mode: 'EPRT', command: 'STOR' }, null, 'blocked', 'data-blocked'),
];

// Attributes keep their names; every element that may repeat is always an array.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});

interface XmlProperty {
  name: string;
  value: string;
}
interface XmlTestCase {
  name: string;
  classname: string;
  time: string;
  properties: { property: XmlProperty[] };
  failure?: { message: string; type?: string };
  error?: { message: string; type?: string };
  skipped?: unknown;
  'system-out'?: string;
}
interface XmlTestSuite {
  name: string;
  tests: string;
  failures: string;
  errors: string;
  skipped: string;
  time: string;
  testcase: XmlTestCase[];
}
interface XmlReport {
  testsuites: { name: string; tests: string; failures: string; errors: string; skipped: string; testsuite: XmlTestSuite[] };
}

function writeAndParse(file: string): XmlReport {
  writeJUnitReport(file, 'netns', cells);
  return parser.parse(readFileSync(file, 'utf8')) as XmlReport;
}

function props(tc: XmlTestCase): Record<string, string> {
  return Object.fromEntries(tc.properties.property.map((p) => [p.name, p.value]));
}

function find(report: XmlReport, suite: string, name: string): XmlTestCase {
  const found = report.testsuites.testsuite.find((s) => s.name === suite)?.testcase.find((tc) => tc.name === name);
  if (found === undefined) throw new Error(`no testcase ${suite} / ${name}`);
  return found;
}

test('one testsuite per suite, topology and rule set, with counts', ({}, testInfo) => {
  const report = writeAndParse(testInfo.outputPath('out', 'junit.xml'));
  const root = report.testsuites;
  expect([root.tests, root.failures, root.errors, root.skipped]).toEqual(['6', '1', '1', '1']);
  expect(root.testsuite.map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped])).toEqual([
    ['ftp-stateful nat open', '1', '0', '0', '0'],
    ['ftp-stateful routed helper', '2', '0', '0', '1'],
    ['ftp-stateful routed no-helper', '3', '1', '1', '0'],
  ]);
  expect(root.testsuite.find((s) => s.name === 'ftp-stateful routed no-helper')?.time).toBe('2');
});

test('testcases carry name, classname, time in seconds and ordered by mode', ({}, testInfo) => {
  const report = writeAndParse(testInfo.outputPath('junit.xml'));
  const noHelper = report.testsuites.testsuite.find((s) => s.name === 'ftp-stateful routed no-helper');
  expect(noHelper?.testcase.map((tc) => [tc.name, tc.classname, tc.time])).toEqual([
    ['PORT RETR', 'ftp-stateful.routed.no-helper', '1.5'],
    ['PASV RETR', 'ftp-stateful.routed.no-helper', '0.25'],
    ['EPSV STOR', 'ftp-stateful.routed.no-helper', '0.25'],
  ]);
});

test('a violation is a failure, inconclusive an error, skipped is skipped', ({}, testInfo) => {
  const report = writeAndParse(testInfo.outputPath('junit.xml'));

  const violation = find(report, 'ftp-stateful routed no-helper', 'PASV RETR');
  expect(violation.failure).toEqual({ message: 'expected blocked, observed pass (data-connected)', type: 'violation' });
  expect(violation.error).toBeUndefined();
  expect(violation.skipped).toBeUndefined();

  const inconclusive = find(report, 'ftp-stateful routed no-helper', 'EPSV STOR');
  expect(inconclusive.error).toEqual({ message: 'expected pass, observed error (server-refused: 500 EPSV)', type: 'inconclusive' });
  expect(inconclusive.failure).toBeUndefined();

  const skipped = find(report, 'ftp-stateful routed helper', 'EPRT LIST');
  expect(skipped.skipped).toBeDefined();
  expect(skipped.failure).toBeUndefined();
  expect(skipped.error).toBeUndefined();

  for (const [suite, name] of [
    ['ftp-stateful routed no-helper', 'PORT RETR'],
    ['ftp-stateful routed helper', 'PORT RETR'],
    ['ftp-stateful nat open', 'EPRT STOR'],
  ] as const) {
    const passed = find(report, suite, name);
    expect([passed.failure, passed.error, passed.skipped], `${suite} ${name}`).toEqual([undefined, undefined, undefined]);
  }
});

test('every testcase has the cell as properties; the cause is also in system-out', ({}, testInfo) => {
  const report = writeAndParse(testInfo.outputPath('junit.xml'));

  const violation = find(report, 'ftp-stateful routed no-helper', 'PASV RETR');
  expect(props(violation)).toEqual({
    mode: 'PASV',
    command: 'RETR',
    expected: 'blocked',
    observed: 'pass',
    cause: 'data-connected',
    driver: 'netns',
    verdict: 'violation',
    id: 'ftp-stateful/routed/no-helper/PASV-RETR',
    family: 'ipv4',
    serverKind: 'vsftpd',
    clientKind: 'probe',
    tls: 'none',
    kind: 'transfer',
    probe: 'transfer',
  });
  expect(violation['system-out']).toBe('data-connected');

  const explore = find(report, 'ftp-stateful nat open', 'EPRT STOR');
  expect(props(explore)).toMatchObject({ expected: '', observed: 'blocked', verdict: 'observed', driver: 'netns' });

  const skipped = find(report, 'ftp-stateful routed helper', 'EPRT LIST');
  expect(props(skipped)).toMatchObject({ observed: '', verdict: 'skipped', cause: 'host lacks nf_conntrack_ftp' });
  expect(skipped['system-out']).toBe('host lacks nf_conntrack_ftp');

  const compliant = find(report, 'ftp-stateful routed helper', 'PORT RETR');
  expect(props(compliant)).toMatchObject({ cause: '', verdict: 'compliant' });
  expect(compliant['system-out']).toBeUndefined();
});

test('reports do not leak into each other', ({}, testInfo) => {
  const first = testInfo.outputPath('first.xml');
  const second = testInfo.outputPath('second.xml');
  writeJUnitReport(first, 'netns', cells);
  writeJUnitReport(second, 'docker', cells.slice(0, 1));
  const parsed = parser.parse(readFileSync(second, 'utf8')) as XmlReport;
  expect(parsed.testsuites.tests).toBe('1');
  expect(parsed.testsuites.testsuite).toHaveLength(1);
});

test('a cause with XML metacharacters survives the round trip', ({}, testInfo) => {
  const file = testInfo.outputPath('hostile.xml');
  const cause = 'server-refused: 500 <bad> & "quoted" ]]> end';
  writeJUnitReport(file, 'netns', [cell({ ruleset: 'helper', mode: 'PORT', command: 'RETR' }, 'pass', 'blocked', cause)]);
  const tc = find(parser.parse(readFileSync(file, 'utf8')) as XmlReport, 'ftp-stateful routed helper', 'PORT RETR');
  expect(tc.failure?.message).toBe(`expected pass, observed blocked (${cause})`);
  expect(props(tc).cause).toBe(cause);
  expect(tc['system-out']).toBe(cause);
});

test('advice and evidence reach CI: properties, and [[ATTACHMENT|path]] lines in system-out', ({}, testInfo) => {
  const file = testInfo.outputPath('evidence.xml');
  const failed: CellResult = {
    ...cell({ ruleset: 'no-helper', mode: 'PORT', command: 'RETR' }, 'pass', 'blocked', 'no-helper: conntrack shows ...'),
    advice: { change: 'insert rule inet filter forward ct state related accept', verified: true },
    evidence: 'evidence/ftp-stateful__routed__no-helper__PORT-RETR',
  };
  writeJUnitReport(file, 'netns', [failed], (c) => (c.evidence ? [`/r/${c.evidence}/wan0.pcap`, `/r/${c.evidence}/transcript.txt`] : []));
  const tc = find(parser.parse(readFileSync(file, 'utf8')) as XmlReport, 'ftp-stateful routed no-helper', 'PORT RETR');
  expect(props(tc)).toMatchObject({ advice: failed.advice!.change, adviceVerified: 'true', evidence: failed.evidence });
  expect(String(tc['system-out']).split('\n')).toEqual([
    'no-helper: conntrack shows ...',
    'advice (verified by re-running the cell):',
    failed.advice!.change,
    `[[ATTACHMENT|/r/${failed.evidence}/wan0.pcap]]`,
    `[[ATTACHMENT|/r/${failed.evidence}/transcript.txt]]`,
  ]);
});
