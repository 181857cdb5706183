/**
 * `npm run bench`: the speed figures, measured on this machine (never asserted by a timed test).
 * Prints topology bring-up/teardown for `routed`, the median passing and blocked cell, and the
 * whole `pinhole run`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Driver } from '../drivers/driver.ts';
import { DockerDriver } from '../drivers/docker/docker-driver.ts';
import { ensureNodeImage } from '../drivers/docker/node-image.ts';
import { NetnsDriver } from '../drivers/netns/netns-driver.ts';
import { Lab } from '../lab.ts';
import { REPO_ROOT, TOPOLOGIES_DIR } from '../paths.ts';
import { loadRuleset } from '../rulesets/load-ruleset.ts';
import { loadTopology } from '../topology/load-topology.ts';

const ROUNDS = Number(process.env.PINHOLE_BENCH_ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function timed<T>(work: () => PromiseLike<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await work();
  return [v, performance.now() - t0];
}

const spec = await loadTopology(join(TOPOLOGIES_DIR, 'routed.topo.yaml'));
const driver = new NetnsDriver();

async function bringUpFigures(d: Driver, what: string): Promise<void> {
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [topology, up] = await timed(() => d.up(spec));
    const [, down] = await timed(() => topology[Symbol.asyncDispose]());
    ups.push(up);
    downs.push(down);
  }
  console.log(`routed ${d.name} bring-up (${what}): median ${ms(median(ups))} over ${ROUNDS}`);
  console.log(`routed ${d.name} teardown: median ${ms(median(downs))}`);
}

await bringUpFigures(driver, 'namespaces, links, addresses, routes');
const docker = new DockerDriver();
if ((await docker.preflight()).length === 0) {
  await ensureNodeImage(docker.docker);
  await bringUpFigures(docker, 'networks, containers, addresses, renamed interfaces, routes; image built');
} else {
  console.log('docker: no engine, skipped');
}

const [lab, labUp] = await timed(() => Lab.up(spec, driver));
console.log(`routed lab ready (topology + vsftpd + probe agent + trace monitor, first transfer verified): ${ms(labUp)}`);
const pass: number[] = [];
const blocked: number[] = [];
try {
  const helper = await loadRuleset(join(REPO_ROOT, 'suites/ftp-stateful/rulesets/nft-helper.nft'));
  const noHelper = await loadRuleset(join(REPO_ROOT, 'suites/ftp-stateful/rulesets/no-helper.nft'));
  for (let i = 0; i < ROUNDS; i++) {
    for (const mode of ['PORT', 'EPRT', 'PASV', 'EPSV'] as const) {
      const [p, tp] = await timed(() => lab.runCell({ ruleset: helper, mode, command: 'RETR' }));
      const [b, tb] = await timed(() => lab.runCell({ ruleset: noHelper, mode, command: 'RETR' }));
      if (p.outcome !== 'pass' || b.outcome !== 'blocked') throw new Error(`unexpected outcome: ${p.outcome}/${b.outcome}`);
      pass.push(tp);
      blocked.push(tb);
    }
  }
} finally {
  const [, labDown] = await timed(() => lab[Symbol.asyncDispose]());
  console.log(`routed lab teardown: ${ms(labDown)}`);
}
console.log(`passing cell (reset + apply + transfer 256 KiB + verify): median ${ms(median(pass))} over ${pass.length}`);
console.log(`blocked cell (reset + apply + drop traced + probe aborted): median ${ms(median(blocked))} over ${blocked.length}`);

const out = mkdtempSync(join(tmpdir(), 'pinhole-bench-'));
const t0 = performance.now();
const run = spawnSync(process.execPath, [join(REPO_ROOT, 'harness/cli/pinhole.mjs'), 'run', '--json', join(out, 'r.json'), '--junit', join(out, 'j.xml')], {
  encoding: 'utf8',
  env: { ...process.env, CI: '1', NO_COLOR: '1' },
});
const total = performance.now() - t0;
const summary = run.stdout.split('\n').find((l) => /^\d+ cells/.test(l)) ?? '(no summary)';
console.log(`whole pinhole run (exit ${run.status}): ${(total / 1000).toFixed(1)} s — ${summary}`);
