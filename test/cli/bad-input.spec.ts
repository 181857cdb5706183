/**
 * The bad-input catalogue: every kind of broken input a person can hand pinhole, through the
 * real command line. Each entry must end with exit 2 before anything starts:
 *
 *   - stderr is one clear message: it starts with `pinhole: `, every line at the margin is a
 *     problem naming the file (`file:line: ...`, `file: ...` for the file as a whole), no line
 *     twice, no stack trace, no internal error; stdout is empty;
 *   - the problem the entry expects is there, at the place it expects (line, column, key path);
 *   - nothing was created: no run claimed by the process (so no `pinhole-*` namespace), no JSON,
 *     JUnit, HTML or evidence in the directory the reports were pointed at.
 *
 * Fixture files carry their expectation in `# expect:` header lines (test/support/expect-headers.ts).
 * What must not be committed (a 50 MB file, binary junk) or cannot be (a missing file) is made
 * here, in a temporary directory.
 *
 *   client --lan-- fw (the rule set under test) --wan-- server     (topology `routed`)
 */
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expectationsOf } from '../support/expect-headers.ts';
import { leftByCommand, runIdsNow } from '../support/left-by-command.ts';

const PINHOLE = 'harness/cli/pinhole.mjs';
const GOOD_RULESET = 'suites/ftp-stateful/rulesets/nft-helper.nft';
const FIXTURES = 'test/fixtures/bad-input';
const INVALID_TOPOLOGIES = 'test/fixtures/topologies/invalid';
/** Each CLI start costs most of a second of CPU (tsx compiles on load); 3 at once keep 2 cores busy. */
const CONCURRENCY = 3;
/** A hang (a parser fed 50 MB, `/dev/zero` read forever) ends the entry instead of the run. */
const ENTRY_TIMEOUT_MS = 60_000;

// Named, not made, at load: Playwright's runner also loads this file to list the tests.
const tmp = join(tmpdir(), `pinhole-bad-input-${process.pid}`);
const made = (name: string) => join(tmp, 'inputs', name);

interface Expected {
  /** The file the problem names, as given on the command line. */
  file: string;
  /** A substring of the problem. */
  text: string;
  /** The line the problem is reported at; null: the file as a whole (`file: ...`); undefined: anywhere. */
  line?: number | null;
  column?: number;
}

interface Entry {
  name: string;
  /** The pinhole arguments; report options pointing into the entry's own directory are added. */
  args: string[];
  /** Every file a problem line may name. */
  files: string[];
  expects: Expected[];
  /** How many problem lines, when it matters. */
  count?: number;
  /** Writes the generated input before the entry runs. */
  make?: () => void;
}

const explore = (topology: string, ruleset: string, ...more: string[]) => ['explore', '--topology', topology, '--ruleset', ruleset, ...more];

/** An entry per fixture file, its expectations read from its header. */
function fromFixture(file: string, args: string[]): Entry {
  const { expects, count } = expectationsOf(file);
  if (expects.length === 0) throw new Error(`${file}: a bad-input fixture needs at least one "# expect:" line`);
  return { name: `${basename(file)}`, args, files: [file], expects: expects.map((e) => ({ file, ...e })), ...(count !== undefined && { count }) };
}

const fixturesIn = (dir: string) => readdirSync(join(FIXTURES, dir)).sort().map((f) => join(FIXTURES, dir, f));

/**
 * The topology loader's own fixtures (test/topology/topology.spec.ts runs all of them in-process), one
 * per kind of mistake, now through the CLI.
 */
const REUSED_TOPOLOGIES = [
  'yaml-duplicate-key',
  'unknown-top-level-key',
  'unknown-segment',
  'overlapping-subnets',
  'address-outside-subnet',
  'gateway-not-router',
  'duplicate-address',
  'interface-name-too-long',
  'node-name-metachar',
  'several-cross-problems',
].map((name) => join(INVALID_TOPOLOGIES, `${name}.topo.yaml`));

const MB = 1024 * 1024;
/** Plausible content, so the size alone is what refuses it (not a binary check). */
const bigText = (line: string) => Buffer.alloc(50 * MB, line);
/** The start of an ELF file: what `--ruleset ./fw` (the binary, not its rules) would read. */
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x3e, 0x00, 0xff, 0xfe]);

const generated: Entry[] = [
  {
    name: 'rule set: a missing file',
    args: explore('routed', made('gone.nft')),
    files: [made('gone.nft')],
    expects: [{ file: made('gone.nft'), text: 'cannot read rule set: no such file', line: null }],
  },
  {
    name: 'rule set: a directory where the file belongs',
    args: explore('routed', made('rules.d')),
    files: [made('rules.d')],
    expects: [{ file: made('rules.d'), text: 'cannot read rule set: it is a directory, not a file', line: null }],
    make: () => mkdirSync(made('rules.d'), { recursive: true }),
  },
  {
    name: 'rule set: a device where the file belongs (/dev/zero never ends)',
    args: explore('routed', '/dev/zero'),
    files: ['/dev/zero'],
    expects: [{ file: '/dev/zero', text: 'cannot read rule set: it is a device, pipe or socket, not a file', line: null }],
  },
  {
    name: 'rule set: 50 MB',
    args: explore('routed', made('huge.nft')),
    files: [made('huge.nft')],
    expects: [{ file: made('huge.nft'), text: 'file is 50.0 MB; a rule set larger than 16 MB is not a rule set pinhole reads', line: null }],
    make: () => writeFileSync(made('huge.nft'), bigText('add rule inet filter forward ip saddr 192.0.2.1 drop\n')),
  },
  {
    name: 'rule set: binary junk',
    args: explore('routed', made('fw')),
    files: [made('fw')],
    expects: [{ file: made('fw'), text: 'not a text file (a NUL byte at byte 7); a rule set is UTF-8 text', line: 1, column: 8 }],
    make: () => writeFileSync(made('fw'), ELF),
  },
  {
    name: 'rule set: not UTF-8 (Latin-1 in a comment)',
    args: explore('routed', made('latin1.nft')),
    files: [made('latin1.nft')],
    expects: [{ file: made('latin1.nft'), text: 'not a text file (byte 0xe9 at byte 25 is not UTF-8)', line: 2, column: 6 }],
    make: () => writeFileSync(made('latin1.nft'), Buffer.concat([Buffer.from('table inet filter {\n# caf'), Buffer.from([0xe9]), Buffer.from('\n}\n')])),
  },
  {
    name: 'rule set: an empty file',
    args: explore('routed', made('empty.nft')),
    files: [made('empty.nft')],
    expects: [{ file: made('empty.nft'), text: 'has no rules (the file is empty or only comments)', line: null }],
    make: () => writeFileSync(made('empty.nft'), ''),
  },
  {
    name: 'topology: a missing file',
    args: explore(made('gone.topo.yaml'), GOOD_RULESET),
    files: [made('gone.topo.yaml')],
    expects: [{ file: made('gone.topo.yaml'), text: 'cannot read topology: no such file', line: null }],
  },
  {
    name: 'topology: 50 MB',
    args: explore(made('huge.topo.yaml'), GOOD_RULESET),
    files: [made('huge.topo.yaml')],
    expects: [{ file: made('huge.topo.yaml'), text: 'file is 50.0 MB; a topology larger than 1 MB is not a topology pinhole reads', line: null }],
    make: () => writeFileSync(made('huge.topo.yaml'), bigText('# padding padding padding padding\n')),
  },
  {
    name: 'topology: binary junk',
    args: explore(made('junk.topo.yaml'), GOOD_RULESET),
    files: [made('junk.topo.yaml')],
    expects: [{ file: made('junk.topo.yaml'), text: 'not a text file (a NUL byte at byte 14); a topology is UTF-8 text', line: 2, column: 7 }],
    make: () => writeFileSync(made('junk.topo.yaml'), Buffer.concat([Buffer.from('name: x\nnodes:'), Buffer.from([0, 0x89, 0x50, 0x4e, 0x47])])),
  },
  {
    name: 'expectation file: a missing file',
    args: explore('routed', GOOD_RULESET, '--expect', made('gone.expect.yaml')),
    files: [made('gone.expect.yaml')],
    expects: [{ file: made('gone.expect.yaml'), text: 'cannot read expectation file: no such file', line: null }],
  },
  {
    name: 'diff: a NEW rule set that does not parse',
    args: ['diff', '--ruleset', GOOD_RULESET, '--ruleset', join(FIXTURES, 'rulesets', 'nft-typo-keyword.nft')],
    files: [join(FIXTURES, 'rulesets', 'nft-typo-keyword.nft')],
    expects: [{ file: join(FIXTURES, 'rulesets', 'nft-typo-keyword.nft'), text: 'nft: Could not parse conntrack state', line: 8 }],
  },
  {
    // Every input is checked before anything starts, and all problems are told at once.
    name: 'explore: a bad topology, rule set and expectation file together',
    args: explore(join(INVALID_TOPOLOGIES, 'gateway-not-router.topo.yaml'), join(FIXTURES, 'rulesets', 'iptables-bad-option.rules'), '--expect', join(FIXTURES, 'expect', 'unknown-mode.expect.yaml')),
    files: [join(INVALID_TOPOLOGIES, 'gateway-not-router.topo.yaml'), join(FIXTURES, 'rulesets', 'iptables-bad-option.rules'), join(FIXTURES, 'expect', 'unknown-mode.expect.yaml')],
    expects: [
      { file: join(INVALID_TOPOLOGIES, 'gateway-not-router.topo.yaml'), text: 'a gateway must be a firewall or router interface', line: 14 },
      { file: join(FIXTURES, 'rulesets', 'iptables-bad-option.rules'), text: 'unknown option "--dportt"', line: 7 },
      { file: join(FIXTURES, 'expect', 'unknown-mode.expect.yaml'), text: 'unknown mode "PASSV"', line: 6 },
    ],
    count: 3,
  },
];

const CATALOGUE: Entry[] = [
  ...REUSED_TOPOLOGIES.map((f) => fromFixture(f, explore(f, GOOD_RULESET))),
  ...fixturesIn('topologies').map((f) => fromFixture(f, explore(f, GOOD_RULESET))),
  ...fixturesIn('rulesets').map((f) => fromFixture(f, explore('routed', f))),
  ...fixturesIn('expect').map((f) => fromFixture(f, explore('routed', GOOD_RULESET, '--expect', f))),
  ...generated,
];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
  timedOut: boolean;
  /** Where the entry's reports were pointed: must stay empty. */
  outDir: string;
  /** Runs (and namespaces) of the command still there after it exited: must be none. */
  left: string[];
}

function runPinhole(entry: Entry, index: number): Promise<Outcome> {
  const outDir = join(tmp, 'out', String(index));
  mkdirSync(outDir, { recursive: true });
  const reports = ['--json', join(outDir, 'results.json'), '--junit', join(outDir, 'junit.xml'), '--html', join(outDir, 'html')];
  const before = runIdsNow();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PINHOLE, ...entry.args, ...reports], { env: { ...process.env, NO_COLOR: '1', CI: '1' } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ENTRY_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid!, timedOut, outDir, left: leftByCommand(child.pid, before) });
    });
  });
}

/** Runs `work` over `items`, at most `limit` at a time, results in item order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const outcomes = new Map<string, Outcome>();

test.beforeAll(async () => {
  // The whole catalogue, three commands at a time: 60-90 s on two cores.
  test.setTimeout(240_000);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'inputs'), { recursive: true });
  for (const entry of CATALOGUE) entry.make?.();
  const results = await pool(CATALOGUE, CONCURRENCY, runPinhole);
  CATALOGUE.forEach((entry, i) => outcomes.set(entry.name, results[i]!));
});

// The generated inputs include two 50 MB files: never leave them in /tmp.
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('the catalogue holds at least 30 distinct bad inputs, each named once', () => {
  expect(CATALOGUE.length).toBeGreaterThanOrEqual(30);
  expect(new Set(CATALOGUE.map((e) => e.name)).size).toBe(CATALOGUE.length);
});

for (const entry of CATALOGUE) {
  test(`bad input: ${entry.name}`, () => {
    const r = outcomes.get(entry.name)!;
    const shown = `pinhole ${entry.args.join(' ')}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
    expect(r.timedOut, shown).toBe(false);
    expect(r.code, shown).toBe(2);
    expect(r.stdout, shown).toBe('');

    const lines = r.stderr.replace(/\n$/, '').split('\n');
    expect(lines[0], shown).toMatch(/^pinhole: /);
    lines[0] = lines[0]!.slice('pinhole: '.length);
    // Lines at the margin are problems; indented lines are a tool's excerpt of the file under one.
    const problems = lines.filter((l) => !/^\s/.test(l));
    for (const p of problems) expect(entry.files.some((f) => p.startsWith(`${f}:`)), `a problem that names none of ${entry.files.join(', ')}:\n${p}`).toBe(true);
    expect(new Set(problems).size, `a problem told twice:\n${r.stderr}`).toBe(problems.length);
    expect(r.stderr, 'a stack trace or internal error').not.toMatch(/internal error|^\s+at .+:\d+:\d+\)?$|\b(?:TypeError|ReferenceError|RangeError|AssertionError)\b/m);

    for (const e of entry.expects) {
      const place = e.line === null ? `${e.file}: ` : e.line === undefined ? `${e.file}:` : `${e.file}:${e.line}:${e.column === undefined ? '' : `${e.column}:`}`;
      const hit = (e.line === undefined && !problems.some((p) => p.includes(e.text)) ? lines : problems).find((l) => (e.line === undefined || l.startsWith(place)) && l.includes(e.text));
      expect(hit, `${JSON.stringify(e.text)} at ${JSON.stringify(place)} in:\n${r.stderr}`).toBeDefined();
    }
    if (entry.count !== undefined) expect(problems, r.stderr).toHaveLength(entry.count);

    // Nothing created: no report, no evidence, no run (and so no namespace) of the command left.
    expect(readdirSync(r.outDir), 'files written for bad input').toEqual([]);
    expect(r.left).toEqual([]);
  });
}
