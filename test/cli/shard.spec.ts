// Scale: `pinhole run --workers N` and `--shard i/n` + `pinhole merge` observe the same cells as
// one plain run. A --grep subset keeps it affordable yet spans seven spec files on four
// topologies (ftp-stateful, ftp-clients, both ftp-servers files on routed; ftp-security on
// routed-bounce; ftp-nat-length on masquerade-longer; ftp-host-firewall's edge cells on
// server-firewall), so workers and shards really run different labs at once. Three runs of it,
// on 3, 1 and 2 workers, and the shared default run (2 workers) to compare with.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { causeCode } from '../../harness/model.ts';
import type { CellResult, RunReport } from '../../harness/cell-contract.ts';
import { InputError } from '../../harness/errors.ts';
import { readLaddersFile, writeLaddersFile } from '../../harness/report/merge-reports.ts';
import { sharedDefaultRun } from '../support/default-run.ts';
import { htmlReportFixture } from '../support/html-report-fixture.ts';
import { makeCell } from '../support/make-cell.ts';

const PINHOLE = 'harness/cli/pinhole.mjs';
// Made in the worker only (the runner loads this file to list tests too); five runs' reports,
// pcaps included, are about 14 MB, removed at the end.
let out = '';
test.beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'pinhole-shard-test-'));
});
test.afterAll(() => rmSync(out, { recursive: true, force: true }));
/** 144 cells: nft-helper and masquerade-no-helper in every suite that has them; passes and five cause codes. */
const GREP = 'nft-helper|masquerade-no-helper';
const SUBSET_CELLS = 144;
/** A run of the subset takes 20-45 s on netns (more on one worker); room for a busy two-core machine. */
const RUN_TIMEOUT_MS = 120_000;

function pinhole(args: string[], timeoutMs = RUN_TIMEOUT_MS) {
  const r = spawnSync(process.execPath, [PINHOLE, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' }, timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `pinhole run` of the subset into `<out>/<name>/`: results.json, junit.xml, html/. */
function runSubset(name: string, extra: string[]) {
  const dir = join(out, name);
  // Every cell keeps its evidence (the default keeps only non-compliant cells', none here): the
  // merge must copy each shard's beside the merged report.
  const r = pinhole(['run', '--grep', GREP, '--evidence', 'all', '--json', join(dir, 'results.json'), '--junit', join(dir, 'junit.xml'), '--html', join(dir, 'html'), ...extra]);
  expect(r.code, `${name}: ${r.stderr}${r.stdout.slice(-2000)}`).toBe(0);
  return { dir, stdout: r.stdout, report: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunReport };
}

// The unsharded run both tests compare against, made once per worker (tests of a file share one).
let unsharded: ReturnType<typeof runSubset> | undefined;
const plainRun = () => (unsharded ??= runSubset('workers-3', ['--workers', '3']));

/** What must not depend on how the run was split: per cell id, observed, verdict and cause code. */
function observedById(report: RunReport): Map<string, { observed: CellResult['observed']; verdict: CellResult['verdict']; cause: string | undefined }> {
  return new Map(report.results.map((c) => [c.id, { observed: c.observed, verdict: c.verdict, cause: causeCode(c.cause) ?? c.cause ?? undefined }]));
}

test('pinhole run --workers 3 and the default run on 2 workers: the same cells, observed and judged alike', async () => {
  // One run, about 35 s.
  test.setTimeout(RUN_TIMEOUT_MS);
  const defaultRun = sharedDefaultRun().report();
  const three = plainRun();
  expect(three.stdout).toContain(`running ${SUBSET_CELLS} cells on 3 workers`);
  expect(three.report.results).toHaveLength(SUBSET_CELLS);
  expect(new Set(three.report.results.map((c) => c.topology))).toEqual(new Set(['routed', 'routed-bounce', 'masquerade-longer', 'server-firewall']));
  // Not a trivial subset: passes and blocked transfers with several causes.
  const causes = new Set(three.report.results.map((c) => causeCode(c.cause)));
  expect(causes).toContain(undefined);
  expect(causes).toContain('no-helper');
  expect(causes).toContain('nat-not-rewritten');
  expect(causes).toContain('fixed-ruleset-drop');
  expect(causes.size).toBeGreaterThanOrEqual(5);
  // --grep picked by rule set name: the default run's cells of those rule sets, in its order.
  const sameCells = { ...defaultRun, results: defaultRun.results.filter((c) => new RegExp(GREP).test(c.ruleset)) };
  expect(three.report.results.map((c) => c.id)).toEqual(sameCells.results.map((c) => c.id));
  expect(observedById(three.report)).toEqual(observedById(sameCells));
});

// Attributes keep their names; every element that may repeat is always an array.
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

interface XmlTestCase {
  name: string;
  classname: string;
  failure?: unknown;
  error?: unknown;
  skipped?: unknown;
}

/** Each test case as CI sees it: suite, class, name and which of failure/error/skipped it carries. */
function junitCases(file: string): string[] {
  const suites = (xml.parse(readFileSync(file, 'utf8')) as { testsuites: { testsuite: { name: string; testcase: XmlTestCase[] }[] } }).testsuites.testsuite;
  return suites.flatMap((s) =>
    s.testcase.map((t) => [s.name, t.classname, t.name, t.failure !== undefined ? 'failure' : t.error !== undefined ? 'error' : t.skipped !== undefined ? 'skipped' : 'ok'].join(' | ')),
  );
}

/** The cell ids the HTML report has a ladder for. */
function ladderIds(htmlFile: string): string[] {
  const m = /<script type="application\/json" id="pinhole-ladders">([\s\S]*?)<\/script>/.exec(readFileSync(htmlFile, 'utf8'));
  return Object.keys((JSON.parse(m![1]!) as { ladders: object }).ladders).sort();
}

test('pinhole run --shard 1/2 and 2/2, then pinhole merge: the report of the unsharded run', async () => {
  // Two shards, and the plain run when the test above did not make it in this worker: 40-80 s.
  test.setTimeout(3 * RUN_TIMEOUT_MS);
  // The first on one worker: a run on 1, 2 and 3 workers all agree with the default run.
  const shards = [runSubset('shard-1', ['--shard', '1/2', '--workers', '1']), runSubset('shard-2', ['--shard', '2/2'])];
  expect(shards[0]!.stdout).toMatch(/running \d+ cells on 1 worker\b/);
  // Both shards did part of the work, and they split it by spec file.
  for (const s of shards) expect(s.report.results.length).toBeGreaterThan(0);
  expect(shards[0]!.report.results.length + shards[1]!.report.results.length).toBe(SUBSET_CELLS);
  const plain = plainRun();

  const merged = join(out, 'merged');
  const r = pinhole(['merge', shards[0]!.dir, join(shards[1]!.dir, 'results.json'), '--json', join(merged, 'results.json'), '--junit', join(merged, 'junit.xml'), '--html', join(merged, 'html')]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain(`${SUBSET_CELLS} cells: ${SUBSET_CELLS} compliant`);
  expect(r.stdout).toContain('ftp-security on routed-bounce');

  const report = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')) as RunReport;
  expect(report.version).toBe(1);
  expect(report.driver).toBe('netns');
  expect(report.results.map((c) => c.id)).toEqual(plain.report.results.map((c) => c.id));
  expect(observedById(report)).toEqual(observedById(plain.report));
  // Evidence was copied beside the merged JSON: the same cells keep some, the same files each.
  const evidence = (dir: string, rep: RunReport) => rep.results.filter((c) => c.evidence !== null).map((c) => [c.id, readdirSync(join(dir, c.evidence!)).sort()]);
  expect(evidence(merged, report)).toEqual(evidence(plain.dir, plain.report));
  expect(evidence(merged, report).length).toBe(SUBSET_CELLS);
  for (const c of report.results) if (c.evidence) expect(c.evidence.startsWith('evidence/')).toBe(true);

  expect(junitCases(join(merged, 'junit.xml'))).toEqual(junitCases(join(plain.dir, 'junit.xml')));
  // The shards kept their ladders beside their JSON: the merged HTML draws every one the plain run's does.
  expect(ladderIds(join(merged, 'html', 'index.html'))).toEqual(ladderIds(join(plain.dir, 'html', 'index.html')));
  expect(ladderIds(join(merged, 'html', 'index.html')).length).toBeGreaterThan(SUBSET_CELLS / 2);
});

test('pinhole merge refuses what is not one run: the file at fault named, exit 2, nothing written', async () => {
  const dir = join(out, 'bad');
  const report = (name: string, driver: string, cells: CellResult[]) => {
    const file = join(dir, name, 'results.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ version: 1, driver, results: cells }));
    return file;
  };
  const a = makeCell({ ruleset: 'nft-helper', mode: 'PORT' }, 'pass', 'pass');
  const b = makeCell({ ruleset: 'nft-helper', mode: 'PASV' }, 'pass', 'pass');
  const netns = report('netns', 'netns', [a]);
  const docker = report('docker', 'docker', [b]);
  const again = report('again', 'netns', [b, a]);
  const v2 = join(dir, 'v2.json');
  writeFileSync(v2, JSON.stringify({ version: 2, driver: 'netns', results: [b] }));
  const missing = join(dir, 'nowhere', 'results.json');
  const merged = join(dir, 'merged', 'results.json');

  const cases: [string[], RegExp][] = [
    [[netns, docker], new RegExp(`${docker}: driver: docker, but ${netns} ran on netns`)],
    [[netns, again], new RegExp(`${again}: results\\[1\\]: cell ${a.id.replace(/[+]/g, '\\+')} is also in ${netns}`)],
    [[netns, missing], new RegExp(`${missing}: cannot read pinhole report: no such file`)],
    [[netns, v2], new RegExp(`${v2}: not a version-1 pinhole report`)],
    [[join(dir, 'docker'), join(dir, 'nowhere')], new RegExp(`${join(dir, 'nowhere')}: cannot read pinhole report: no such file or directory`)],
  ];
  for (const [inputs, message] of cases) {
    const r = pinhole(['merge', ...inputs, '--json', merged, '--junit', join(dir, 'merged', 'junit.xml'), '--html', join(dir, 'merged', 'html')], 30_000);
    expect(r.code, `${inputs.join(' ')}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(dirname(merged))).toBe(false);
  }
});

test('pinhole run --workers and --shard: a value that is not one is refused before anything starts', async () => {
  for (const [args, message] of [
    [['--workers', 'x'], '--workers: expected a positive whole number, got "x"'],
    [['--workers', '0'], '--workers: expected a positive whole number, got "0"'],
    [['--shard', '3/2'], '--shard: expected i/n with 1 <= i <= n (e.g. 1/2), got "3/2"'],
    [['--shard', 'half'], '--shard: expected i/n with 1 <= i <= n (e.g. 1/2), got "half"'],
  ] as const) {
    const r = pinhole(['run', ...args, '--json', join(out, 'refused', 'results.json')], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pinhole: ${message}\n`);
    expect(existsSync(join(out, 'refused'))).toBe(false);
  }
});

test('a shard\'s ladders file reads back as the ladders it was written from; a damaged one is refused naming the file', async () => {
  const { report, ladders } = htmlReportFixture();
  const drawn = Object.fromEntries(Object.entries(ladders).filter(([, l]) => l.packets.length > 0));
  expect(Object.keys(drawn).length).toBeGreaterThan(0);
  const file = join(out, 'fixture', 'results.ladders.json');
  writeLaddersFile(file, report.results, ladders);
  expect(readLaddersFile(file)).toEqual(drawn);
  expect(readLaddersFile(join(out, 'fixture', 'none.ladders.json'))).toBeNull();

  const table = JSON.parse(readFileSync(file, 'utf8')) as { strings: string[]; ladders: Record<string, { packets: number[][] }> };
  const [id, ladder] = Object.entries(table.ladders)[0]!;
  ladder.packets[0]![1] = table.strings.length;
  writeFileSync(file, JSON.stringify(table));
  expect(() => readLaddersFile(file)).toThrow(InputError);
  expect(() => readLaddersFile(file)).toThrow(`${file}: ladders.${id}.packets[0][1]: not a column or string of this file`);
});
