// The docker driver without a Docker engine: `pinhole run` and `explore` stop before anything
// starts, with exit 3 and one line that says where pinhole looked, what it found there, and what
// to do. The shared engine is never stopped: DOCKER_HOST points elsewhere, and PATH leaves the
// docker command out.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../../support/scratch-dir.ts';

/** Removed after the file's tests (scratch-dir.ts). */
const dir = scratchDir('pinhole-docker-engine-');

function pinhole(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['harness/cli/pinhole.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 3, nothing on stdout, and stderr exactly one line. */
function expectOneLine(r: ReturnType<typeof pinhole>): string {
  expect(r.code, r.stderr + r.stdout).toBe(3);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  return r.stderr.trimEnd();
}

const EXPLORE = ['explore', '--driver', 'docker', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/nft-helper.nft'];

test('no socket where DOCKER_HOST points: exit 3, one line naming the address', async () => {
  const sock = join(dir(), 'no-such.sock');
  for (const args of [['run', '--driver', 'docker'], EXPLORE]) {
    expect(expectOneLine(pinhole(args, { DOCKER_HOST: `unix://${sock}` }))).toBe(
      `pinhole: this host cannot run the docker driver: no Docker engine answers at unix://${sock} (ENOENT: no such socket); start dockerd, or set DOCKER_HOST to an engine that runs`,
    );
  }
});

test('a socket nobody listens on (an engine that stopped): exit 3, one line', async () => {
  // What a dockerd that died leaves behind: its socket file, and nothing accepting on it. A
  // process killed while listening does not unlink its socket (a clean close would).
  const sock = join(dir(), 'stopped.sock');
  spawnSync(process.execPath, ['-e', "require('node:net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'))", sock]);
  expect(statSync(sock).isSocket()).toBe(true);
  const line = expectOneLine(pinhole(['run', '--driver', 'docker'], { DOCKER_HOST: `unix://${sock}` }));
  expect(line).toBe(`pinhole: this host cannot run the docker driver: no Docker engine answers at unix://${sock} (ECONNREFUSED: nothing listens there); start dockerd, or set DOCKER_HOST to an engine that runs`);
});

test('Docker not installed (no docker command, no engine): exit 3, one line saying so', async () => {
  // A PATH holding the shell only: the docker command line client is nowhere on it.
  const bin = join(dir(), 'bin');
  spawnSync('mkdir', ['-p', bin]);
  symlinkSync('/bin/sh', join(bin, 'sh'));
  const sock = join(dir(), 'not-installed.sock');
  const line = expectOneLine(pinhole(EXPLORE, { DOCKER_HOST: `unix://${sock}`, PATH: bin }));
  expect(line).toBe(`pinhole: this host cannot run the docker driver: no Docker engine answers at unix://${sock} (ENOENT: no such socket) and there is no docker command: Docker is not installed; install docker.io and start dockerd`);
});
