/**
 * `npm run bench`: the speed figures, measured on this machine (never asserted by a timed test).
 * Prints, in one run: topology bring-up/teardown per driver; the median passing and blocked cell
 * (by a SYN drop, a reject, a later packet's drop) and the instrument's fence; the render time of each
 * firewall frontend;
 * 100 MiB throughput through the FTP helper rule set against no rule set; `pinhole explore` of an
 * all-blocked rule set; the naive shell baseline (shell-baseline.sh) on the same cells; the cost
 * of evidence (--evidence all against none) and of advice (explore with and without); the whole
 * default `pinhole run` with its cells' own time, overhead ratio and median cell per kind (skipped
 * with PINHOLE_BENCH_SKIP_FULL_RUN=1); then each ratio against its target, met or NOT met.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Driver } from '../drivers/driver.ts';
import { DockerDriver } from '../drivers/docker/docker-driver.ts';
import { ensureNodeImage } from '../drivers/docker/node-image.ts';
import { NetnsDriver } from '../drivers/netns/netns-driver.ts';
import { Lab } from '../lab/lab.ts';
import { runTransfer } from '../scenarios/transfer.ts';
import { attributeOnLab } from '../cell/attribute-cell.ts';
import type { FtpCommand, Mode } from '../model.ts';
import type { CellResult, RunReport } from '../cell-contract.ts';
import { REPO_ROOT, TOPOLOGIES_DIR } from '../paths.ts';
import { loadRuleset } from '../rulesets/load-ruleset.ts';
import { suiteFrontendConfig } from '../frontends/frontend-kinds.ts';
import { renderFrontend } from '../frontends/render-frontend.ts';
import { loadTopology } from '../topology/load-topology.ts';
import { median, ms, seconds, sum, target, timed } from './figures.ts';
import { BENCH_KINDS, runFigures, type RunFigures } from './run-figures.ts';
import { runShellBaseline } from './shell-baseline.ts';
import { measureThroughput, throughputKey } from './throughput.ts';

const ROUNDS = Number(process.env.PINHOLE_BENCH_ROUNDS ?? 5);
const THROUGHPUT_ROUNDS = Number(process.env.PINHOLE_BENCH_THROUGHPUT_ROUNDS ?? 5);
const SKIP_FULL_RUN = process.env.PINHOLE_BENCH_SKIP_FULL_RUN === '1';
const MODES: readonly Mode[] = ['PORT', 'EPRT', 'PASV', 'EPSV'];
const COMMANDS: readonly FtpCommand[] = ['RETR', 'STOR'];
const HELPER = join(REPO_ROOT, 'suites/ftp-stateful/rulesets/nft-helper.nft');
const NO_HELPER = join(REPO_ROOT, 'suites/ftp-stateful/rulesets/no-helper.nft');
/** A reject (the data SYN answered with a TCP RST) and a later packet's drop (the client's handshake ACK), from suites/ftp-blocking. */
const REJECTING = join(REPO_ROOT, 'suites/ftp-blocking/rulesets/router-tcp-reset.nft');
const LATER_DROP = join(REPO_ROOT, 'suites/ftp-blocking/rulesets/established-reply-only.nft');
const PINHOLE = join(REPO_ROOT, 'harness/cli/pinhole.mjs');
/** One configuration per frontend, the largest rendering of each (suites/ftp-frontends). */
const FRONTEND_CONFIGS = ['firewalld-router-ftp-service', 'ufw-server-ct-helper', 'ferm-router-ct-helper', 'firehol-router-firehol-helpers', 'shorewall-router-autohelpers'];
/** `pinhole run`'s default on netns (suites/playwright.config.ts). */
const DEFAULT_WORKERS = 2;

const spec = await loadTopology(join(TOPOLOGIES_DIR, 'routed.topo.yaml'));
const driver = new NetnsDriver();

console.log('== topology bring-up and teardown (routed)');
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

console.log('\n== cells (netns, routed; 4 modes x RETR, STOR)');
const [lab, labUp] = await timed(() => Lab.up(spec, driver));
console.log(`routed lab ready (topology + vsftpd + probe agent + trace monitor, first transfer verified): ${ms(labUp)}`);
const pass: number[] = [];
const blocked: number[] = [];
const rejected: number[] = [];
const laterDropped: number[] = [];
/** What reading the trace up to now costs (DropObserver.fence): what a failing job pays once, and attribution once a cell. */
const fencing: number[] = [];
/** What attributing a cell costs after it ran (harness/cell/attribute-cell.ts), on passing and blocked cells alike. */
const attributing: number[] = [];
try {
  const helper = await loadRuleset(HELPER);
  const noHelper = await loadRuleset(NO_HELPER);
  // Cells grouped by rule set, as `run`, `explore` and the shell baseline order them: a passing
  // cell right after a blocked one also ends the aborted cell's lingering server session.
  const cells = (ruleset: typeof helper, expected: 'pass' | 'blocked', into: number[]) => async () => {
    for (const mode of MODES) {
      for (const command of COMMANDS) {
        const [{ observation: o, window }, t] = await timed(() => runTransfer(lab, ruleset, { scenario: 'transfer', mode, command }));
        if (o.outcome !== expected) throw new Error(`${ruleset.name} ${mode} ${command}: observed ${o.outcome}, expected ${expected}: ${o.cause}`);
        into.push(t);
        const [attributed, a] = await timed(() => attributeOnLab(lab, window, ruleset));
        if (!attributed?.connections.some((c) => c.decidedBy !== null)) throw new Error(`${ruleset.name} ${mode} ${command}: no connection attributed`);
        attributing.push(a);
        fencing.push((await timed(() => Promise.all(lab.observers.map((o) => o.fence()))))[1]);
      }
    }
  };
  const rejecting = await loadRuleset(REJECTING);
  const laterDrop = await loadRuleset(LATER_DROP);
  for (let i = 0; i < ROUNDS; i++) {
    await cells(helper, 'pass', pass)();
    await cells(noHelper, 'blocked', blocked)();
    await cells(rejecting, 'blocked', rejected)();
    await cells(laterDrop, 'blocked', laterDropped)();
  }
} finally {
  const [, labDown] = await timed(() => lab[Symbol.asyncDispose]());
  console.log(`routed lab teardown: ${ms(labDown)}`);
}
console.log(`passing cell, nft-helper (reset + apply + transfer 256 KiB down or 128 KiB up + verify): median ${ms(median(pass))} over ${pass.length}`);
console.log(`blocked cell, no-helper (reset + apply + drop traced + probe aborted): median ${ms(median(blocked))} over ${blocked.length}`);
console.log(`blocked cell, router-tcp-reset (the data SYN rejected with a TCP RST; read up to the failure, the reject traced): median ${ms(median(rejected))} over ${rejected.length}`);
console.log(`blocked cell, established-reply-only (the client's handshake ACK dropped, not a SYN): median ${ms(median(laterDropped))} over ${laterDropped.length}`);
console.log(`attribution of a cell (its traced SYNs to rules and file lines, the expectation counters read): median ${ms(median(attributing))} over ${attributing.length}`);
console.log(`the instrument's fence (every observer's trace read up to now; once a cell in attribution, once more in a failed job with no drop of its own): median ${ms(median(fencing))} over ${fencing.length}`);

console.log('\n== firewall frontends: rendering a configuration of suites/ftp-frontends (the real frontend in its throw-away namespace, not from the cache)');
for (const name of FRONTEND_CONFIGS) {
  const config = suiteFrontendConfig(join(REPO_ROOT, 'suites/ftp-frontends/configs', name))!;
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push((await renderFrontend(config, { reuse: false })).renderMs);
  console.log(`${config.kind} (${name}): median ${ms(median(times))} over ${ROUNDS} (rounds: ${times.map((t) => ms(t)).join(', ')}); once a run, read back from the cache in every worker`);
}

console.log('\n== throughput: 100 MiB RETR by the probe, nft-helper against no rule set (flush ruleset)');
const THROUGHPUT_MODES: readonly Mode[] = ['PASV', 'PORT'];
const tput = await measureThroughput(spec, driver, HELPER, THROUGHPUT_MODES, THROUGHPUT_ROUNDS);
const mibs = (key: string) => median(tput.get(key) ?? []);
for (const mode of THROUGHPUT_MODES) {
  for (const rs of ['nft-helper', 'no-ruleset']) {
    const xs = tput.get(throughputKey(rs, mode)) ?? [];
    console.log(`${mode} RETR through ${rs}: median ${mibs(throughputKey(rs, mode)).toFixed(0)} MiB/s over ${xs.length} (rounds: ${xs.map((x) => x.toFixed(0)).join(', ')})`);
  }
}

console.log('\n== pinhole explore of an all-blocked rule set (no-helper, 8 cells, whole command: start, lab up, cells, teardown)');
function timedExplore(advice: 'verify' | 'off'): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [PINHOLE, 'explore', '--topology', 'routed', '--ruleset', NO_HELPER], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1', NO_COLOR: '1', PINHOLE_ADVICE: advice },
  });
  const took = performance.now() - t0;
  const summary = r.stdout.split('\n').find((l) => /^\d+ cells/.test(l)) ?? '(no summary)';
  const ok = r.status === 0 && summary.startsWith('8 cells observed: 0 pass, 8 blocked');
  console.log(`explore, advice ${advice}${advice === 'verify' ? ' (the default: each blocked cell re-run with the fix)' : ''}: ${seconds(took)}, exit ${r.status}: ${summary}`);
  return ok ? took : NaN;
}
const exploreVerify = timedExplore('verify');
const exploreOff = timedExplore('off');

console.log('\n== shell baseline (harness/bench/shell-baseline.sh: ip netns + vsftpd + nft -f + curl, 4 s client timeout)');
const base = runShellBaseline();
const basePass = base.cells.filter((c) => c.ruleset === 'nft-helper');
const baseBlocked = base.cells.filter((c) => c.ruleset === 'no-helper');
const wrong = base.cells.filter((c) => c.outcome !== (c.ruleset === 'nft-helper' ? 'pass' : 'blocked'));
console.log(`bring-up (namespaces, veth, bridges, vsftpd; test files written): ${ms(base.setupMs)}; teardown: ${ms(base.teardownMs)}; whole script: ${seconds(base.wallMs)}`);
for (const c of base.cells) console.log(`  ${c.ruleset} ${c.mode} ${c.command}: ${c.outcome} (curl exit ${c.exit}) in ${ms(c.totalMs)} (apply ${ms(c.applyMs)}, curl ${ms(c.curlMs)})`);
console.log(`passing cell (conntrack flush + nft -f + curl): median ${ms(median(basePass.map((c) => c.totalMs)))} (curl alone ${ms(median(basePass.map((c) => c.curlMs)))})`);
console.log(`blocked cells: ${baseBlocked.length} in ${seconds(sum(baseBlocked.map((c) => c.totalMs)))} (median ${ms(median(baseBlocked.map((c) => c.totalMs)))} each)`);
for (const [rs, xs] of base.throughput) console.log(`curl PASV RETR 100 MiB through ${rs}: median ${median(xs).toFixed(0)} MiB/s (rounds: ${xs.join(', ')})`);
if (wrong.length > 0) console.log(`WARNING: baseline cells with an unexpected outcome: ${wrong.map((c) => `${c.ruleset} ${c.mode} ${c.command} ${c.outcome}`).join(', ')}`);

/** A `pinhole run` timed from start to exit; its JSON report is read before its directory goes. */
function timedRun(args: string[]): { wallMs: number; status: number | null; summary: string; results: CellResult[] } {
  const out = mkdtempSync(join(tmpdir(), 'pinhole-bench-'));
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [PINHOLE, 'run', '--json', join(out, 'r.json'), '--junit', join(out, 'j.xml'), '--html', join(out, 'html'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
  });
  const wallMs = performance.now() - t0;
  const results = existsSync(join(out, 'r.json')) ? (JSON.parse(readFileSync(join(out, 'r.json'), 'utf8')) as RunReport).results : [];
  rmSync(out, { recursive: true, force: true });
  return { wallMs, status: run.status, summary: run.stdout.split('\n').find((l) => /^\d+ cells/.test(l)) ?? '(no summary)', results };
}

console.log('\n== evidence: the same cells with --evidence all and --evidence none (ftp-stateful, one worker)');
const EVIDENCE_GREP = 'ftp-stateful';
const withAll = timedRun(['--grep', EVIDENCE_GREP, '--workers', '1', '--evidence', 'all']);
const withNone = timedRun(['--grep', EVIDENCE_GREP, '--workers', '1', '--evidence', 'none']);
const evidencePerCell = (withAll.wallMs - withNone.wallMs) / Math.max(1, withAll.results.length);
console.log(`--evidence all: ${seconds(withAll.wallMs)}; none: ${seconds(withNone.wallMs)}; evidence costs ${ms(evidencePerCell)} a cell (${withAll.results.length} cells; the default keeps it for non-compliant cells only)`);
const advicePerCell = (exploreVerify - exploreOff) / 8;
console.log(`advice (from explore above): ${ms(advicePerCell)} a blocked cell it is sought for (none in a compliant run: only violations and cells without expectation)`);

let full: RunFigures | undefined;
if (SKIP_FULL_RUN) {
  console.log('\n== whole pinhole run: skipped (PINHOLE_BENCH_SKIP_FULL_RUN=1)');
} else {
  console.log('\n== whole default pinhole run (CI=1, every suite, 2 workers, JSON, JUnit and HTML to a temp dir)');
  const run = timedRun([]);
  full = runFigures(run.results, run.wallMs, DEFAULT_WORKERS);
  console.log(`whole pinhole run (exit ${run.status}): ${seconds(run.wallMs)} — ${run.summary}`);
  console.log(`cells' own time (sum of durationMs): ${seconds(full.cellMs)}; wall x ${DEFAULT_WORKERS} workers / that: ${full.overhead.toFixed(2)}`);
  const workerMs = full.wallMs * DEFAULT_WORKERS;
  console.log(`where the ${seconds(workerMs)} of worker time went: clients ${seconds(full.cellMs)}; around them inside cells (reset, rule set, explanation, evidence, lab switches) ${seconds(full.testMs - full.cellMs)}; outside any cell (start-up, worker start, teardown) ${seconds(workerMs - full.testMs)}`);
  for (const k of BENCH_KINDS) console.log(`  median ${k} cell: ${ms(full.medians[k].median)} (${full.medians[k].cells} cells)`);
}

console.log('\n== targets');
if (full) {
  console.log(`whole default run: ${seconds(full.wallMs)} (target <= 60 s): ${full.wallMs <= 60_000 ? 'met' : 'NOT met'} — ${full.cells} cells on ${DEFAULT_WORKERS} workers`);
  console.log(target('run overhead (wall x workers / cell time)', full.overhead, '<=', 1.3, `${full.overhead.toFixed(2)}x`, `${seconds(full.wallMs)} x ${DEFAULT_WORKERS} / ${seconds(full.cellMs)}`));
  const probe = full.medians.probe.median;
  for (const k of BENCH_KINDS.filter((k) => k !== 'probe')) {
    console.log(target(`median ${k} cell / median probe cell`, full.medians[k].median / probe, '<=', 3, `${(full.medians[k].median / probe).toFixed(2)}x`, `${ms(full.medians[k].median)} / ${ms(probe)}`));
  }
}
const blockedOverPass = median(blocked) / median(pass);
console.log(target('blocked cell / passing cell', blockedOverPass, '<=', 2, `${blockedOverPass.toFixed(2)}x`, `pinhole medians ${ms(median(blocked))} / ${ms(median(pass))}`));
const baseBlockedTotal = sum(baseBlocked.map((c) => c.totalMs));
const exploreRatio = exploreVerify / baseBlockedTotal;
console.log(
  target('explore all-blocked / naive all-blocked', exploreRatio, '<=', 0.5, `${exploreRatio.toFixed(2)}x`, `whole explore command ${seconds(exploreVerify)} (advice verify; ${seconds(exploreOff)} with PINHOLE_ADVICE=off, ${(exploreOff / baseBlockedTotal).toFixed(2)}x) / baseline's 8 blocked cells ${seconds(baseBlockedTotal)} (its bring-up not counted)`),
);
const basePassMedian = median(basePass.map((c) => c.totalMs));
const overhead = median(pass) / basePassMedian;
console.log(
  target('passing cell / naive passing cell', overhead, '<=', 1.5, `${overhead.toFixed(2)}x`, `pinhole ${ms(median(pass))} (reset, apply, probe, sha256 check) / baseline ${ms(basePassMedian)} (conntrack flush, nft -f, curl); both apply the rule set per cell`),
);
for (const mode of THROUGHPUT_MODES) {
  const withHelper = mibs(throughputKey('nft-helper', mode));
  const without = mibs(throughputKey('no-ruleset', mode));
  const ratio = withHelper / without;
  console.log(target(`throughput ${mode} RETR with helper / no rule set`, ratio, '>=', 0.8, `${(ratio * 100).toFixed(0)}%`, `${withHelper.toFixed(0)} / ${without.toFixed(0)} MiB/s by the probe`));
}
// The probe hashes what it receives and the firewall captures every packet's headers: its
// ceiling may hide the firewall's own cost, so curl's figure (no hashing, no capture) is shown too.
const curlWith = median(base.throughput.get('nft-helper') ?? []);
const curlWithout = median(base.throughput.get('no-ruleset') ?? []);
console.log(target('throughput PASV RETR with helper / no rule set, curl in the shell baseline', curlWith / curlWithout, '>=', 0.8, `${((curlWith / curlWithout) * 100).toFixed(0)}%`, `${curlWith.toFixed(0)} / ${curlWithout.toFixed(0)} MiB/s`));
