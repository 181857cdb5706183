/**
 * The default run (`pinhole run`, no --grep) as the tests know it: how many cells it has, and
 * the one run of it each `npm test` makes (test/global-setup.ts) before any test starts, whose
 * reports the tests that need a whole run read. One run, not one per test: three full runs on
 * two cores did not fit in the time a test has (issue 14).
 */
import { test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../../harness/cell-contract.ts';
import { REPO_ROOT } from '../../harness/paths.ts';

/**
 * How many cells the default run has. Kept in one place on purpose: a change that adds or drops
 * cells must say so here, so a suite that silently stops declaring cells fails the tests.
 *
 *   ftp-stateful    9 rule sets x 4 modes x (RETR, STOR, LIST, session, concurrent)   180
 *   ftp-port-2121   4 x 4 x 2                                                           32
 *   ftp-dnat        3 topologies x 2 rule sets x 4 x 2                                  48
 *   ftp-double-nat  2 x 2 x 4 x 2                                                       32
 *   ftp-security    8 x 2 bounce + 3 x 2 pinhole scope + 2 x 2 helper scope             26
 *   ftp-tls         9 rows x 4 x 2 (vsftpd) + 3 rows x 4 x RETR (proftpd, CCC)          84
 *   ftp-ipv6        7 x (EPRT, EPSV over IPv6 x 3 + PORT, PASV over IPv4 x RETR)        56
 *   ftp-clients     8 x 3 commands x (4 modes curl + 3 modes lftp)                     168
 *   ftp-servers     2 servers (pure-ftpd, proftpd) x 8 x 4 x 2                         128
 *   ftp-host-firewall  (8 server-side + 5 client-side) x 4 x 3 (vsftpd, probe)
 *                   + 2 servers x 3 x 4 x 2 + curl 3 x 4 + lftp 3 x 3 (RETR)           225
 *   ftp-nat-length  2 rule sets x 4 modes x (RETR, STOR, LIST, session)                 32
 *   ftp-blocking    9 rule sets x 4 modes x (RETR, STOR, LIST)                         108
 *   ftp-frontends   13 configurations x (4 modes over IPv4 + EPRT, EPSV over IPv6) x RETR  78
 */
export const DEFAULT_RUN_CELLS = 1229;

/** Where the shared run writes: under test-results/ (ignored by git), kept after the tests for a person to open. */
export const DEFAULT_RUN_DIR = fileURLToPath(new URL('../../test-results/default-run', import.meta.url));
export const DEFAULT_RUN_FILES = {
  json: join(DEFAULT_RUN_DIR, 'results.json'),
  junit: join(DEFAULT_RUN_DIR, 'junit.xml'),
  html: join(DEFAULT_RUN_DIR, 'html'),
  /** What the run did besides its reports: exit code, output, wall time, the host's change. */
  record: join(DEFAULT_RUN_DIR, 'run.json'),
};

/**
 * PINHOLE_TEST_DEFAULT_RUN, for working on one spec file without a whole run each time:
 * `reuse` keeps the reports of the last run in DEFAULT_RUN_DIR when there are some and they were
 * made at the commit checked out now (reuseDecision), `skip` makes none (the tests that need it
 * skip, saying so). Unset: a fresh run, as `npm test` and CI do.
 */
export type DefaultRunMode = 'fresh' | 'reuse' | 'skip';
export function defaultRunMode(value = process.env.PINHOLE_TEST_DEFAULT_RUN): DefaultRunMode {
  if (value === undefined || value === '') return 'fresh';
  if (value === 'reuse' || value === 'skip') return value;
  throw new Error(`PINHOLE_TEST_DEFAULT_RUN=${value}: expected reuse or skip (or unset, for a fresh run)`);
}

export type DefaultRunRecord =
  | { skipped: string }
  | {
      skipped?: undefined;
      argv: string[];
      /** null when it was killed by a signal (`signal` says which). */
      code: number | null;
      signal: string | null;
      /** The run did not end within its time and was interrupted (SIGINT, so it cleaned up). */
      timedOut: boolean;
      stdout: string;
      stderr: string;
      wallMs: number;
      pid: number;
      /** diffSnapshots of the host before the run and after it, settled: '' when nothing lasting changed. */
      hostDiff: string;
      /** Runs and namespaces of the run still there after it exited (test/support/left-by-command.ts). */
      left: string[];
      /** The code the run was made from; undefined outside a git checkout. */
      source?: SourceState;
    };

/** The checkout the tests run from: its commit, and a hash of its files as they are. */
export interface SourceState {
  /** `git rev-parse HEAD`. */
  head: string;
  /** Tracked files changed against HEAD, or files git does not track (nor ignore). */
  dirty: boolean;
  /** sha256 of HEAD, the tracked files' changes and the untracked files: the same tree, the same hash. */
  tree: string;
}

/** The source state of REPO_ROOT; undefined where it is not a git checkout (or git is missing). */
export function sourceState(cwd = REPO_ROOT): SourceState | undefined {
  // --no-optional-locks: reading must not write git's index (another git command may be running).
  const git = (...args: string[]) => spawnSync('git', ['--no-optional-locks', ...args], { cwd, encoding: 'buffer', maxBuffer: 1 << 30 });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return undefined;
  const changes = git('diff', 'HEAD', '--binary').stdout;
  const untracked = git('ls-files', '--others', '--exclude-standard', '-z').stdout.toString().split('\0').filter(Boolean).sort();
  const hash = createHash('sha256').update(head.stdout).update(changes);
  for (const file of untracked) {
    hash.update(`\0${file}\0`);
    try {
      hash.update(readFileSync(join(cwd, file)));
    } catch {
      // Removed while we read: its name stays in the hash.
    }
  }
  return { head: head.stdout.toString().trim(), dirty: changes.length > 0 || untracked.length > 0, tree: hash.digest('hex') };
}

const describeSource = (s: SourceState) => `commit ${s.head}${s.dirty ? ` with uncommitted changes (tree ${s.tree.slice(0, 12)})` : ''}`;

export type ReuseDecision =
  | { action: 'reuse'; note?: string }
  | { action: 'fresh'; why: string }
  | { action: 'refuse'; message: string };

/**
 * What PINHOLE_TEST_DEFAULT_RUN=reuse does with the last run's record, given the checkout now:
 * reuse it when it was made at this commit; a fresh run when there is none to reuse; refuse (the
 * tests stop, saying why) when it was made at another commit or it cannot be told which, since its
 * reports would be read as this code's. The same commit with other uncommitted changes is reused,
 * with a note: that is the case reuse is for, editing a spec between runs of it.
 */
export function reuseDecision(last: DefaultRunRecord | undefined, now: SourceState | undefined): ReuseDecision {
  if (last === undefined) return { action: 'fresh', why: `no earlier run in ${DEFAULT_RUN_DIR}` };
  if (last.skipped !== undefined) return { action: 'fresh', why: `the last one made no run (${last.skipped})` };
  const fix = 'unset PINHOLE_TEST_DEFAULT_RUN for a fresh run (or set it to skip)';
  if (now === undefined) return { action: 'refuse', message: `PINHOLE_TEST_DEFAULT_RUN=reuse: ${REPO_ROOT} is not a git checkout, so the run in ${DEFAULT_RUN_DIR} cannot be told to be of this code; ${fix}` };
  if (last.source === undefined) {
    return { action: 'refuse', message: `PINHOLE_TEST_DEFAULT_RUN=reuse: the run in ${DEFAULT_RUN_DIR} records no commit (made before commits were recorded); this checkout is at ${describeSource(now)}; ${fix}` };
  }
  if (last.source.head !== now.head) {
    return { action: 'refuse', message: `PINHOLE_TEST_DEFAULT_RUN=reuse: the run in ${DEFAULT_RUN_DIR} was made at ${describeSource(last.source)}, this checkout is at ${describeSource(now)}; ${fix}` };
  }
  if (last.source.tree !== now.tree) return { action: 'reuse', note: `the run was made at ${describeSource(last.source)}; the files have changed since (now ${describeSource(now)}): its reports do not show those changes` };
  return { action: 'reuse' };
}

export type DefaultRun = Exclude<DefaultRunRecord, { skipped: string }> & { report: () => RunReport };

export function readDefaultRunRecord(): DefaultRunRecord | undefined {
  return existsSync(DEFAULT_RUN_FILES.record) ? (JSON.parse(readFileSync(DEFAULT_RUN_FILES.record, 'utf8')) as DefaultRunRecord) : undefined;
}

/**
 * The shared run, for a test to assert on; the calling test is skipped, with the reason, where
 * none was made (a host that cannot run the netns driver, or PINHOLE_TEST_DEFAULT_RUN=skip).
 */
export function sharedDefaultRun(): DefaultRun {
  const record = readDefaultRunRecord();
  if (!record) throw new Error(`no record of the shared default run at ${DEFAULT_RUN_FILES.record}: test/global-setup.ts writes it (run the tests with -c test/playwright.config.ts)`);
  if (record.skipped !== undefined) {
    test.skip(true, `no shared default run: ${record.skipped}`);
    throw new Error('unreachable: skipped');
  }
  return { ...record, report: () => JSON.parse(readFileSync(DEFAULT_RUN_FILES.json, 'utf8')) as RunReport };
}
