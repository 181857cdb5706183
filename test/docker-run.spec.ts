// The docker driver end to end: the same suite through `pinhole run --driver docker` gives the
// same observed verdict in every cell as the netns driver, and a missing engine is exit 3. Each
// full run also leaves the host as it found it: rule sets, links, addresses, routes, policy rules,
// forwarding sysctls and pinhole namespaces are equal before and after (Docker's bridges, its
// iptables rules for them and their routes included). The docker project runs alone, after the
// netns one, so nothing else of this test run changes the host meanwhile.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causeCode, type RunReport } from '../harness/model.ts';
import { expect, test } from './support/driver-test.ts';
import { DEFAULT_RUN_CELLS } from './support/default-run.ts';
import { diffAfterSettling, settledHostSnapshot } from './support/host-snapshot.ts';

const out = mkdtempSync(join(tmpdir(), 'pinhole-docker-test-'));

/** One default run, advice re-runs and evidence included: about 8 minutes on docker, 2.5 on netns. */
const RUN_TIMEOUT_MS = 900_000;

function pinhole(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['harness/cli/pinhole.mjs', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, timeout: RUN_TIMEOUT_MS });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function runReport(driver: string): Promise<RunReport> {
  // A run removes a crashed run's leftovers when it starts: gone before the snapshot, so what
  // the snapshots compare is what this run itself does to the host.
  pinhole(['clean']);
  const before = await settledHostSnapshot();
  const json = join(out, `${driver}.json`);
  const r = pinhole(['run', '--driver', driver, '--json', json, '--junit', join(out, `${driver}.xml`)]);
  expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
  expect.soft(await diffAfterSettling(before), `the host after a full ${driver} run differs from before it`).toBe('');
  return JSON.parse(readFileSync(json, 'utf8')) as RunReport;
}

test('every cell observes the same verdict on docker as on netns', async () => {
  test.setTimeout(2 * RUN_TIMEOUT_MS + 60_000);
  const docker = await runReport('docker');
  const netns = await runReport('netns');
  expect(docker.driver).toBe('docker');
  expect(docker.results).toHaveLength(DEFAULT_RUN_CELLS);
  const observed = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, c.observed]));
  expect(observed(docker)).toEqual(observed(netns));
  // And the same reason: the diagnosis reads the same kernel state through either driver.
  const codes = (r: RunReport) => Object.fromEntries(r.results.map((c) => [c.id, causeCode(c.cause) ?? null]));
  expect(codes(docker)).toEqual(codes(netns));
});

test('no Docker engine: exit 3 with one clear line', async () => {
  const r = pinhole(['run', '--driver', 'docker'], { DOCKER_HOST: `unix://${join(out, 'no-such.sock')}` });
  expect(r.code).toBe(3);
  expect(r.stderr).toContain('no Docker engine answers');
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

test('a segment without an IPv4 subnet: exit 2 naming each such segment', async () => {
  // Docker's bridge driver needs IPv4, and pinhole adds IPv6 inside the containers (README, "IPv6 on Docker").
  const r = pinhole(['explore', '--driver', 'docker', '--topology', 'test/fixtures/topologies/valid/dmz-ipv6.topo.yaml', '--ruleset', 'suites/ftp-ipv6/rulesets/inet-helper.nft']);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain('topology dmz-ipv6: segments.lan.subnet: segment lan has no IPv4 subnet; Docker bridge networks need one');
  expect(r.stderr).toContain('segments.dmz.subnet: segment dmz has no IPv4 subnet');
});
