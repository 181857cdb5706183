// The docker driver end to end: the same suites through `pinhole run --driver docker` give the
// same observed verdict in every cell as the netns driver (the shared default run that
// test/global-setup.ts made before any test), and a missing engine is exit 3. `npm test` runs
// four suites on docker (DOCKER_PARITY); CI (.ci/run) runs the whole default run on docker
// afterwards, with PINHOLE_TEST_DOCKER_PARITY=full, beside the reports of npm test's netns run
// (PINHOLE_TEST_DEFAULT_RUN=reuse: made at the same commit). The docker run
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
 * What runs on docker. On docker most of a run's time is its labs' bring-ups (4-8 s each, about
 * 30 in a default run, against under 1 s on netns), not its cells: the whole default run takes
 * 6-7 minutes, four suites under 2. Those four still bring up every kind of Docker network the
 * driver makes (one routed segment pair, three DNAT layouts, the NAT gateway with IPv6, dual
 * stack) and apply rule sets of every kind (nft, iptables-restore, each frontend's rendering).
 */
const DOCKER_PARITY = {
  sample: { grep: 'ftp-stateful|ftp-dnat|ftp-ipv6|ftp-frontends', suites: ['ftp-stateful', 'ftp-dnat', 'ftp-ipv6', 'ftp-frontends'] },
  full: { grep: undefined, suites: undefined },
} as const;

function parityScope(value = process.env.PINHOLE_TEST_DOCKER_PARITY): keyof typeof DOCKER_PARITY {
  if (value === undefined || value === '' || value === 'sample') return 'sample';
  if (value === 'full') return 'full';
  throw new Error(`PINHOLE_TEST_DOCKER_PARITY=${value}: expected sample or full`);
}

/** The whole default run on docker took 6-7 minutes idle, about 8 before evidence was kept for failures only. */
const RUN_TIMEOUT_MS = 600_000;

function pinhole(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['harness/cli/pinhole.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, timeout: RUN_TIMEOUT_MS });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function dockerRunReport(grep: string | undefined): Promise<RunReport> {
  // A run removes a crashed run's leftovers when it starts: gone before the snapshot, so what
  // the snapshots compare is what this run itself does to the host.
  pinhole(['clean']);
  const before = await settledHostSnapshot();
  const json = join(out(), 'docker.json');
  const r = pinhole(['run', '--driver', 'docker', ...(grep ? ['--grep', grep] : []), '--json', json, '--junit', join(out(), 'docker.xml')]);
  expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
  expect.soft(await diffAfterSettling(before), 'the host after a full docker run differs from before it').toBe('');
  return JSON.parse(readFileSync(json, 'utf8')) as RunReport;
}

test(`every cell observes the same verdict on docker as on netns (${parityScope()} run)`, async () => {
  test.setTimeout(RUN_TIMEOUT_MS + 60_000);
  const { grep, suites } = DOCKER_PARITY[parityScope()];
  // Read first: without a netns run to compare with, the docker run would be for nothing.
  const netns = sharedDefaultRun().report();
  expect(netns.results).toHaveLength(DEFAULT_RUN_CELLS);
  const docker = await dockerRunReport(grep);
  expect(docker.driver).toBe('docker');
  // Exactly the cells of those suites, in the netns run's order: the grep picked whole suites.
  const sameCells = suites ? netns.results.filter((c) => (suites as readonly string[]).includes(c.suite)) : netns.results;
  expect(docker.results.map((c) => c.id)).toEqual(sameCells.map((c) => c.id));
  const observed = (results: RunReport['results']) => Object.fromEntries(results.map((c) => [c.id, c.observed]));
  expect(observed(docker.results)).toEqual(observed(sameCells));
  // And the same reason: the diagnosis reads the same kernel state through either driver.
  const codes = (results: RunReport['results']) => Object.fromEntries(results.map((c) => [c.id, causeCode(c.cause) ?? null]));
  expect(codes(docker.results)).toEqual(codes(sameCells));
});

test('no Docker engine: exit 3 with one clear line', async () => {
  const r = pinhole(['run', '--driver', 'docker'], { DOCKER_HOST: `unix://${join(out(), 'no-such.sock')}` });
  expect(r.code).toBe(3);
  expect(r.stderr).toContain('no Docker engine answers');
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

