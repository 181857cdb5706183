// pinhole diff's judgement, pure: which changes are regressions, how NEW is judged against OLD,
// and how the changes read in a terminal without colour.
import { test, expect } from '@playwright/test';
import { diffRuns } from '../harness/diff-runs.ts';
import type { FtpCommand, Mode, Outcome } from '../harness/model.ts';
import { describeChange, renderDiff } from '../harness/report/diff-view.ts';
import { makeCell } from './support/make-cell.ts';

const run = (suite: string, ruleset: string, cells: Array<[Mode, FtpCommand, Outcome, string | null]>) =>
  cells.map(([mode, command, observed, cause]) => makeCell({ suite, ruleset, mode, command }, null, observed, { cause }));

const OLD = run('diff-old', 'a/fw.nft', [
  ['PORT', 'RETR', 'pass', null],
  ['PORT', 'STOR', 'pass', null],
  ['PASV', 'RETR', 'blocked', 'data-blocked: SYN dropped'],
  ['PASV', 'STOR', 'blocked', 'data-blocked: SYN dropped'],
  ['EPSV', 'RETR', 'pass', null],
  ['EPSV', 'STOR', 'blocked', 'firewall-drop: old'],
]);
const NEW = run('diff-new', 'b/fw.nft', [
  ['PORT', 'RETR', 'blocked', 'no-helper: no helper'],
  ['PORT', 'STOR', 'error', 'timeout: server'],
  ['PASV', 'RETR', 'pass', null],
  ['PASV', 'STOR', 'error', 'server-error: gone'],
  ['EPSV', 'RETR', 'pass', null],
  ['EPSV', 'STOR', 'blocked', 'firewall-drop: new'],
]);

test('NEW is judged against OLD: what passed must still pass, the rest has no expectation', () => {
  const diff = diffRuns(OLD, NEW);
  expect(diff.judged.map((c) => [c.mode, c.command, c.expected, c.verdict])).toEqual([
    ['PORT', 'RETR', 'pass', 'violation'],
    ['PORT', 'STOR', 'pass', 'inconclusive'],
    ['PASV', 'RETR', null, 'observed'],
    ['PASV', 'STOR', null, 'observed'],
    ['EPSV', 'RETR', 'pass', 'compliant'],
    ['EPSV', 'STOR', null, 'observed'],
  ]);
  expect(diff.changes.map((c) => [c.mode, c.command, c.kind])).toEqual([
    ['PORT', 'RETR', 'regression'],
    ['PORT', 'STOR', 'regression'],
    ['PASV', 'RETR', 'improvement'],
    ['PASV', 'STOR', 'other'],
  ]);
  expect(diff.regressions).toBe(2);
  expect(diff.changes[0]).toMatchObject({ oldId: OLD[0]!.id, newId: NEW[0]!.id, oldCause: null, newCause: 'no-helper: no helper' });
});

test('a change reads as old -> new with the cause that explains it', () => {
  const [regression, , improvement, other] = diffRuns(OLD, NEW).changes;
  expect(describeChange(regression!)).toBe('PORT RETR: pass -> blocked (no-helper: no helper)');
  expect(describeChange(improvement!)).toBe('PASV RETR: blocked -> pass (was data-blocked: SYN dropped)');
  expect(describeChange(other!)).toBe('PASV STOR: blocked -> error (server-error: gone)');
});

test('the view: one matrix with a row per side, then the changes and their tally', () => {
  const sides = { old: { ruleset: 'a/fw.nft', results: OLD }, new: { ruleset: 'b/fw.nft', results: NEW } };
  const text = renderDiff(sides, diffRuns(OLD, NEW), { color: false });
  expect(text).toMatch(/^diff on routed$/m);
  expect(text).toMatch(/^old a\/fw\.nft +pass +pass +block +block +pass +block$/m);
  expect(text).toMatch(/^new b\/fw\.nft +block +ERROR +pass +ERROR +pass +block$/m);
  // Below the table only the cells that did not change: the changed ones are explained in the list.
  expect(text.match(/^.* — .*$/gm)).toEqual(['old a/fw.nft EPSV STOR: blocked — firewall-drop: old', 'new b/fw.nft EPSV STOR: blocked — firewall-drop: new']);
  expect(text.split('changed from a/fw.nft to b/fw.nft:\n')[1]).toBe(
    [
      '  regression   PORT RETR: pass -> blocked (no-helper: no helper)',
      '  regression   PORT STOR: pass -> error (timeout: server)',
      '  improvement  PASV RETR: blocked -> pass (was data-blocked: SYN dropped)',
      '  other        PASV STOR: blocked -> error (server-error: gone)',
      '4 of 6 cells changed: 2 regressions, 1 improvement, 1 other change',
    ].join('\n'),
  );
  // Colour adds emphasis only: stripped, the text is the same.
  // eslint-disable-next-line no-control-regex
  expect(renderDiff(sides, diffRuns(OLD, NEW), { color: true }).replace(/\x1b\[[0-9;]*m/g, '')).toBe(text);
});

test('the same rule set on both sides: no verdict changed', () => {
  const same = run('diff-new', 'a/fw.nft', [['PORT', 'RETR', 'pass', null]]);
  const text = renderDiff({ old: { ruleset: 'a/fw.nft', results: same }, new: { ruleset: 'a/fw.nft', results: same } }, diffRuns(same, same), { color: false });
  expect(text).toMatch(/no verdict changed \(1 cell\)$/);
  expect(text).toMatch(/^old a\/fw\.nft +pass$/m);
  expect(text).toMatch(/^new a\/fw\.nft +pass$/m);
});
