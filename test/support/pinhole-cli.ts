/**
 * The pinhole command run to its end from this checkout, as a user or a CI job runs it (no
 * colour, CI's plain progress), with what it left behind: its runs still there after it exited
 * (left-by-command.ts), which a test asserts is nothing.
 */
import { spawnSync } from 'node:child_process';
import { leftByCommand, runIdsNow } from './left-by-command.ts';

export const PINHOLE = 'harness/cli/pinhole.mjs';

export interface PinholeOptions {
  /** Run as this user (runuser): its runs are not followed, `left` is always empty then. */
  user?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export function pinholeCli(args: string[], opts: PinholeOptions & { timeoutMs: number }) {
  const argv = opts.user ? ['runuser', '-u', opts.user, '--', process.execPath, PINHOLE, ...args] : [process.execPath, PINHOLE, ...args];
  const before = runIdsNow();
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1', ...opts.env }, timeout: opts.timeoutMs });
  // Under runuser the command's pid is not runuser's, the one spawnSync knows.
  const left = opts.user ? [] : leftByCommand(r.pid, before);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, pid: r.pid, left };
}
