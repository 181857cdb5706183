// The terminal matrix: exact text without colour, and colour that strips back to the same text.
import { test, expect } from '@playwright/test';
import type { Expectation, FtpCommand, Mode, Outcome } from '../../harness/model.ts';
import type { CellResult } from '../../harness/cell-contract.ts';
import { makeCell } from '../support/make-cell.ts';
import { renderMatrix } from '../../harness/report/matrix.ts';

const cell = (
  topology: string,
  ruleset: string,
  mode: Mode,
  command: FtpCommand,
  expected: Expectation | null,
  observed: Outcome | null,
  cause: string | null = null,
): CellResult => makeCell({ topology, ruleset, mode, command }, expected, observed, { cause, durationMs: 5 });

// Deliberately out of mode order: columns must follow PORT, EPRT, PASV, EPSV, not input order.
const judged: CellResult[] = [
  cell('routed', 'no-helper', 'PASV', 'RETR', 'pass', 'pass'),
  cell('routed', 'no-helper', 'PORT', 'RETR', 'blocked', 'blocked', 'data-blocked'),
  // The two cells that are not compliant kept evidence, as `--evidence failures` (the default) keeps it.
  { ...cell('routed', 'no-helper', 'PORT', 'STOR', 'blocked', 'pass', 'data-connected'), evidence: 'evidence/no-helper-PORT-STOR' },
  cell('routed', 'helper', 'PORT', 'RETR', 'pass', 'pass'),
  cell('routed', 'helper', 'PORT', 'STOR', 'pass', null, 'no nf_conntrack_ftp'),
  { ...cell('routed', 'helper', 'PASV', 'RETR', 'pass', 'error', 'server-refused: 500 PASV'), evidence: 'evidence/helper-PASV-RETR' },
  cell('nat', 'open', 'EPSV', 'LIST', 'pass', 'pass'),
];

const explored: CellResult[] = [
  cell('routed', 'open', 'EPRT', 'STOR', null, 'blocked', 'data-blocked'),
  cell('routed', 'open', 'EPSV', 'LIST', null, 'pass'),
  cell('routed', 'open', 'PORT', 'RETR', null, 'error', 'control-blocked'),
];

// eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

test('without colour: tables, marks, causes and the summary, exactly', () => {
  expect(renderMatrix(judged, { color: false })).toBe(
    [
      'ftp-stateful on routed',
      '           PORT             PASV',
      '           RETR     STOR    RETR',
      'no-helper  block ✓  pass ✗  pass ✓',
      'helper     pass ✓   skip    ERROR ?',
      '✗ no-helper PORT STOR: expected blocked, observed pass — data-connected',
      '? helper PASV RETR: expected pass, observed error — server-refused: 500 PASV',
      '1 cell skipped (PORT STOR): no nf_conntrack_ftp',
      '',
      'ftp-stateful on nat',
      '      EPSV',
      '      LIST',
      'open  pass ✓',
      '',
      '7 cells: 4 compliant, 1 violation, 1 inconclusive, 1 skipped',
      'evidence kept for 2 of 7 cells',
    ].join('\n'),
  );
});

test('a rule set that did not run a column shows a dash', () => {
  const text = renderMatrix([cell('routed', 'a', 'PORT', 'RETR', 'pass', 'pass'), cell('routed', 'b', 'EPSV', 'STOR', 'pass', 'pass')], {
    color: false,
  });
  expect(text.split('\n').slice(1, 5)).toEqual(['   PORT    EPSV', '   RETR    STOR', 'a  pass ✓  -', 'b  -       pass ✓']);
});

test('explore cells: no marks, a line for every non-pass, an observed summary', () => {
  expect(renderMatrix(explored, { color: false })).toBe(
    [
      'ftp-stateful on routed',
      '      PORT   EPRT   EPSV',
      '      RETR   STOR   LIST',
      'open  ERROR  block  pass',
      'open PORT RETR: error — control-blocked',
      'open EPRT STOR: blocked — data-blocked',
      '',
      '3 cells observed: 1 pass, 1 blocked, 1 error',
      'evidence kept for 0 of 3 cells',
    ].join('\n'),
  );
});

test('summary omits zero parts except compliant, and counts judged and explore cells apart', () => {
  // The summary without its last line, how many cells kept evidence (the tests above).
  const lastLines = (cells: CellResult[]) => renderMatrix(cells, { color: false }).split('\n\n').at(-1)!.split('\n').slice(0, -1).join('\n');
  expect(lastLines([cell('routed', 'a', 'PORT', 'RETR', 'pass', 'blocked')])).toBe('1 cell: 0 compliant, 1 violation');
  expect(
    lastLines([cell('routed', 'a', 'PORT', 'RETR', 'pass', 'blocked'), cell('routed', 'a', 'PORT', 'STOR', 'blocked', 'pass')]),
  ).toBe('2 cells: 0 compliant, 2 violations');
  expect(lastLines([cell('routed', 'a', 'PORT', 'RETR', 'pass', 'pass'), cell('routed', 'a', 'PORT', 'STOR', 'pass', 'pass')])).toBe(
    '2 cells: 2 compliant',
  );
  expect(lastLines([...judged.slice(0, 2), ...explored])).toBe('2 cells: 2 compliant\n3 cells observed: 1 pass, 1 blocked, 1 error');
});

test('with colour: ANSI codes per verdict, and stripping them gives the plain text', () => {
  const cells = [...judged, ...explored];
  const coloured = renderMatrix(cells, { color: true });
  expect(coloured).toContain('\x1b[32mblock ✓\x1b[39m');
  expect(coloured).toContain('\x1b[31mpass ✗\x1b[39m');
  expect(coloured).toContain('\x1b[33mERROR ?\x1b[39m');
  expect(coloured).toContain('\x1b[2mskip\x1b[22m');
  expect(coloured).toContain('\x1b[31m1 violation\x1b[39m');
  expect(stripAnsi(coloured)).toBe(renderMatrix(cells, { color: false }));
});

test('no colour means no escape codes at all', () => {
  expect(renderMatrix([...judged, ...explored], { color: false })).not.toContain('\x1b');
});

test('nothing to show', () => {
  expect(renderMatrix([], { color: false })).toBe('no cells');
});

test('a dual-stack group labels its IPv6 columns and keeps each family in its own column', () => {
  const v6 = (mode: Mode, command: FtpCommand, observed: Expectation, expected: Expectation = observed): CellResult => ({
    ...cell('routed-dualstack', 'ip6-helper', mode, command, expected, observed),
    family: 'ipv6',
  });
  const text = renderMatrix(
    [
      v6('EPSV', 'RETR', 'pass'),
      cell('routed-dualstack', 'ip6-helper', 'EPSV', 'RETR', 'blocked', 'blocked', 'data-blocked'),
      v6('EPRT', 'RETR', 'pass', 'blocked'),
      cell('routed-dualstack', 'ip6-helper', 'PORT', 'RETR', 'blocked', 'blocked', 'data-blocked'),
    ],
    { color: false },
  );
  expect(text.split('\n').slice(0, 5)).toEqual([
    'ftp-stateful on routed-dualstack',
    '            PORT     EPRT over IPv6  EPSV     EPSV over IPv6',
    '            RETR     RETR            RETR     RETR',
    'ip6-helper  block ✓  pass ✗          block ✓  pass ✓',
    '✗ ip6-helper EPRT RETR over IPv6: expected blocked, observed pass',
  ]);
});

test('a cell with advice shows the change under its detail line, ready to copy', () => {
  const blocked: CellResult = {
    ...cell('routed', 'no-helper', 'PORT', 'RETR', 'pass', 'blocked', 'no-helper: conntrack shows no helper=ftp'),
    advice: { change: 'add ct helper inet filter ftp { type "ftp" protocol tcp; l3proto inet; }\ninsert rule inet filter forward tcp dport 21 ct helper set "ftp"', verified: true },
  };
  expect(renderMatrix([blocked], { color: false }).split('\n').slice(4, 8)).toEqual([
    '✗ no-helper PORT RETR: expected pass, observed blocked — no-helper: conntrack shows no helper=ftp',
    '    passes with this change (verified by re-running the cell):',
    '      add ct helper inet filter ftp { type "ftp" protocol tcp; l3proto inet; }',
    '      insert rule inet filter forward tcp dport 21 ct helper set "ftp"',
  ]);
});
