// The docker driver end to end: the same suite through `pinhole run --driver docker` gives the
// same observed verdict in every cell as the netns driver (the shared default run that
// test/global-setup.ts made before any test), and a missing engine is exit 3. The docker run
// also leaves the host as it found it: rule sets, links, addresses, routes, policy rules,
// forwarding sysctls and pinhole namespaces are equal before and after (Docker's bridges, its
// iptables rules for them and their routes included); the netns run's own check is in
// test/cli/cli.spec.ts. The docker project runs alone, after the netns one, so nothing else of this
// test run changes the host meanwhile.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { causeCode } from '../../../harness/model.ts';
import type { RunReport } from '../../../harness/cell-contract.ts';
import { expect, test } from '../../support/driver-test.ts';
import { DEFAULT_RUN_CELLS, sharedDefaultRun } from '../../support/default-run.ts';
import { diffAfterSettling, settledHostSnapshot } from '../../support/host-snapshot.ts';
import { scratchDir } from '../../support/scratch-dir.ts';

/** Removed after the file's tests (scratch-dir.ts). */
const out = scratchDir('pinhole-docker-test-');

/**
 * One default run on docker. It took about 8 minutes when every blocked cell was re-run for
 * advice and kept its evidence; a compliant cell does neither now (harness/evidence/retention.ts).
 */
const RUN_TIMEOUT_MS = 600_000;

function pinhole(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['harness/cli/pinhole.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, timeout: RUN_TIMEOUT_MS });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function dockerRunReport(): Promise<RunReport> {
  // A run removes a crashed run's leftovers when it starts: gone before the snapshot, so what
  // the snapshots compare is what this run itself does to the host.
  pinhole(['clean']);
  const before = await settledHostSnapshot();
  const json = join(out(), 'docker.json');
  const r = pinhole(['run', '--driver', 'docker', '--json', json, '--junit', join(out(), 'docker.xml')]);
  expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
  expect.soft(await diffAfterSettling(before), 'the host after a full docker run differs from before it').toBe('');
  return JSON.parse(readFileSync(json, 'utf8')) as RunReport;
}

test('every cell observes the same verdict on docker as on netns', async () => {
  test.setTimeout(RUN_TIMEOUT_MS + 60_000);
  // Read first: without a netns run to compare with, the docker run would be for nothing.
  const netns = sharedDefaultRun().report();
  expect(netns.results).toHaveLength(DEFAULT_RUN_CELLS);
  const docker = await dockerRunReport();
  expect(docker.driver).toBe('docker');
  expect(docker.results).toHaveLength(DEFAULT_RUN_CELLS);
  const observed = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, c.observed]));
  expect(observed(docker)).toEqual(observed(netns));
  // And the same reason: the diagnosis reads the same kernel state through either driver.
  const codes = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, causeCode(c.cause) ?? null]));
  expect(codes(docker)).toEqual(codes(netns));
});

test('no Docker engine: exit 3 with one clear line', async () => {
  const r = pinhole(['run', '--driver', 'docker'], { DOCKER_HOST: `unix://${join(out(), 'no-such.sock')}` });
  expect(r.code).toBe(3);
  expect(r.stderr).toContain('no Docker engine answers');
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

