/**
 * `npm run repeat [-- TIMES [--concurrent] [--grep RE]]`: the repeatability figure. Runs the whole
 * default `pinhole run` (or the cells `--grep RE` picks, e.g. `@blocking`) TIMES in a row (20 unless
 * told) and compares every cell of every run with the
 * first: a flip is a cell whose observation, verdict or cause code differs. With --concurrent,
 * the runs go two at a time, side by side on this machine. Exit 1 when anything flipped or a run
 * failed. A script, not a test: it takes half an hour and measures, it does not gate CI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causeCode } from '../model.ts';
import type { CellResult, RunReport } from '../cell-contract.ts';
import { REPO_ROOT } from '../paths.ts';
import { median } from './figures.ts';

const args = process.argv.slice(2);
const times = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const concurrent = args.includes('--concurrent');
const grepAt = args.indexOf('--grep');
const grep = grepAt >= 0 ? args[grepAt + 1] : undefined;
if (grepAt >= 0 && !grep) throw new Error('--grep needs a pattern');
const out = mkdtempSync(join(tmpdir(), 'pinhole-repeat-'));

interface RunOutcome {
  n: number;
  code: number | null;
  seconds: number;
  report?: RunReport;
  tail: string;
}

function runOnce(n: number): Promise<RunOutcome> {
  const dir = join(out, `run-${n}`);
  const t0 = performance.now();
  const only = grep === undefined ? [] : ['--grep', grep];
  const child = spawn(process.execPath, ['harness/cli/pinhole.mjs', 'run', ...only, '--json', join(dir, 'results.json'), '--junit', join(dir, 'junit.xml'), '--html', join(dir, 'html')], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-4000)));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      let report: RunReport | undefined;
      try {
        report = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunReport;
      } catch {
        report = undefined;
      }
      resolve({ n, code, seconds, report, tail: output });
    }),
  );
}

/** What must not change from run to run. */
const signature = (c: CellResult) => `${c.observed} ${c.verdict} ${causeCode(c.cause) ?? '-'}`;

const outcomes: RunOutcome[] = [];
const width = concurrent ? 2 : 1;
for (let n = 1; n <= times; n += width) {
  const batch = await Promise.all(Array.from({ length: Math.min(width, times - n + 1) }, (_, i) => runOnce(n + i)));
  for (const o of batch) {
    outcomes.push(o);
    const cells = o.report?.results.length ?? 0;
    const noncompliant = o.report?.results.filter((c) => c.verdict !== 'compliant').length ?? 0;
    console.log(`run ${o.n}/${times}: exit ${o.code}, ${cells} cells, ${noncompliant} not compliant, ${o.seconds.toFixed(1)} s`);
    if (o.code !== 0) console.log(o.tail.split('\n').map((l) => `    ${l}`).join('\n'));
  }
}

const first = outcomes.find((o) => o.report)?.report;
const flips = new Map<string, string[]>();
if (first) {
  const reference = new Map(first.results.map((c) => [c.id, signature(c)]));
  for (const o of outcomes) {
    const seen = new Map(o.report?.results.map((c) => [c.id, signature(c)]) ?? []);
    for (const id of new Set([...reference.keys(), ...seen.keys()])) {
      const want = reference.get(id) ?? 'absent';
      const got = seen.get(id) ?? 'absent';
      if (o.report && want !== got) flips.set(id, [...(flips.get(id) ?? []), `run ${o.n}: ${got} (first run: ${want})`]);
    }
  }
}

const seconds = outcomes.map((o) => o.seconds).sort((a, b) => a - b);
const failed = outcomes.filter((o) => o.code !== 0 || !o.report);
console.log('');
console.log(`${outcomes.length} runs${concurrent ? ' (two at a time)' : ''} of ${first?.results.length ?? '?'} cells: ${flips.size} cells flipped, ${failed.length} runs failed`);
console.log(`run time: min ${seconds[0]?.toFixed(1)} s, median ${median(seconds).toFixed(1)} s, max ${seconds.at(-1)?.toFixed(1)} s`);
for (const [id, lines] of flips) console.log(`  flipped ${id}\n${lines.map((l) => `    ${l}`).join('\n')}`);
if (failed.length === 0) rmSync(out, { recursive: true, force: true });
else console.log(`reports of every run kept in ${out}`);
process.exitCode = flips.size > 0 || failed.length > 0 ? 1 : 0;
