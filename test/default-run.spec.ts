// PINHOLE_TEST_DEFAULT_RUN=reuse reads the reports of an earlier default run as this code's: only
// when that run was made at the commit checked out now (test/support/default-run.ts).
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RUN_DIR, reuseDecision, sourceState, type DefaultRunRecord, type SourceState } from './support/default-run.ts';
import { scratchDir } from './support/scratch-dir.ts';

const out = scratchDir('pinhole-default-run-test-');

const A: SourceState = { head: 'a'.repeat(40), dirty: false, tree: '1'.repeat(64) };
const B: SourceState = { head: 'b'.repeat(40), dirty: true, tree: '2'.repeat(64) };
const made = (source?: SourceState): DefaultRunRecord => ({ argv: ['run'], code: 0, signal: null, timedOut: false, stdout: '', stderr: '', wallMs: 1, pid: 1, hostDiff: '', left: [], ...(source ? { source } : {}) });

test('reuse: the same commit is reused; another commit, none recorded or no checkout is refused naming both', () => {
  expect(reuseDecision(made(A), A)).toEqual({ action: 'reuse' });

  const other = reuseDecision(made(A), B);
  expect(other.action).toBe('refuse');
  const message = (other as { message: string }).message;
  expect(message).toContain(`made at commit ${A.head}, this checkout is at commit ${B.head} with uncommitted changes (tree 222222222222)`);
  expect(message).toContain(DEFAULT_RUN_DIR);
  expect(message).toContain('unset PINHOLE_TEST_DEFAULT_RUN for a fresh run');

  // A record from before commits were recorded cannot be told to be of this code.
  expect(reuseDecision(made(), A)).toMatchObject({ action: 'refuse', message: expect.stringContaining(`records no commit (made before commits were recorded); this checkout is at commit ${A.head}`) });
  expect(reuseDecision(made(A), undefined)).toMatchObject({ action: 'refuse', message: expect.stringContaining('is not a git checkout') });
});

test('reuse: the same commit with other uncommitted changes is reused with a note; nothing to reuse makes a fresh run', () => {
  const edited = { ...A, dirty: true, tree: '3'.repeat(64) };
  expect(reuseDecision(made(A), edited)).toEqual({ action: 'reuse', note: `the run was made at commit ${A.head}; the files have changed since (now commit ${A.head} with uncommitted changes (tree 333333333333)): its reports do not show those changes` });
  expect(reuseDecision(undefined, A)).toMatchObject({ action: 'fresh' });
  expect(reuseDecision({ skipped: 'PINHOLE_TEST_DEFAULT_RUN=skip' }, A)).toMatchObject({ action: 'fresh', why: expect.stringContaining('PINHOLE_TEST_DEFAULT_RUN=skip') });
});

test('sourceState: the commit, and a tree hash that follows tracked changes and untracked files', () => {
  const repo = out();
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  expect(sourceState(repo)).toBeUndefined();
  git('init', '-q');
  writeFileSync(join(repo, 'a.txt'), 'one\n');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'one');
  const clean = sourceState(repo)!;
  expect(clean).toMatchObject({ head: git('rev-parse', 'HEAD'), dirty: false });
  expect(sourceState(repo)).toEqual(clean);

  writeFileSync(join(repo, 'a.txt'), 'two\n');
  const changed = sourceState(repo)!;
  expect(changed).toMatchObject({ head: clean.head, dirty: true });
  expect(changed.tree).not.toBe(clean.tree);

  writeFileSync(join(repo, 'new.txt'), 'x\n');
  const added = sourceState(repo)!;
  expect(added.tree).not.toBe(changed.tree);
  writeFileSync(join(repo, 'new.txt'), 'y\n');
  expect(sourceState(repo)!.tree).not.toBe(added.tree);
});
