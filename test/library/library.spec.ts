// pinhole as a library, as a Playwright user gets it: pinhole packed (`npm pack`, which compiles
// it), installed into a fresh project with @playwright/test, README's "Write your own tests"
// example written into it as README gives it, type-checked against pinhole's declarations, and
// run with `npx playwright test`: the example's expectations pass, a wrong one fails in
// Playwright's own reporters with pinhole's message.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '../../harness/paths.ts';
import { packedPinhole } from '../support/packed-pinhole.ts';
import { scratchDir } from '../support/scratch-dir.ts';

const out = scratchDir('pinhole-library-test-');
/** npm pack (with its build) and an install from npm's cache take 30-60 s; four cells 10 s; a busy two-core machine three times that. */
test.describe.configure({ mode: 'serial', timeout: 300_000 });

function run(argv: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 240_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** README's example files: the code blocks of "Write your own tests" whose first line names a file (`// tests/edge.spec.ts`). */
function readmeExample(): Map<string, string> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Write your own tests'), readme.indexOf('\n## ', readme.indexOf('## Write your own tests') + 1));
  const files = new Map<string, string>();
  for (const [, body] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w./-]+\.ts)\n/.exec(body!)?.[1];
    if (name) files.set(name, body!);
  }
  return files;
}

let project = '';

test('packed, installed beside @playwright/test, README\'s example type-checks against pinhole\'s declarations', () => {
  // prepack compiles (npm run build) and postpack removes the compiled files from the checkout.
  const { tarball, paths } = packedPinhole();
  // Compiled: JavaScript and declarations for every entry point.
  for (const entry of ['test', 'lab', 'contract']) expect(paths).toEqual(expect.arrayContaining([`harness/api/${entry}.js`, `harness/declarations/api/${entry}.d.ts`]));

  project = join(out(), 'project');
  mkdirSync(project, { recursive: true });
  expect(run(['npm', 'init', '-y'], project).code).toBe(0);
  expect(run(['npm', 'pkg', 'set', 'type=module'], project).code).toBe(0);
  const installed = run(['npm', 'install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', tarball, '@playwright/test', 'typescript', '@types/node@20'], project);
  expect(installed.code, installed.output).toBe(0);

  const example = readmeExample();
  expect([...example.keys()].sort()).toEqual(['playwright.config.ts', 'tests/edge.spec.ts']);
  for (const [name, body] of example) {
    mkdirSync(dirname(join(project, name)), { recursive: true });
    writeFileSync(join(project, name), body);
  }
  // The example's rule set: the FTP helper attached explicitly (suites/ftp-stateful's nft-helper).
  mkdirSync(join(project, 'firewall'));
  copyFileSync(join(REPO_ROOT, 'suites/ftp-stateful/rulesets/nft-helper.nft'), join(project, 'firewall/edge.nft'));
  // A strict project that checks libraries' declarations too (no skipLibCheck).
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] }, include: ['**/*.ts'] }),
  );
  const typed = run(['npx', 'tsc', '--noEmit'], project);
  expect(typed.code, typed.output).toBe(0);

  // The declarations are real: a mode, a cause and an option pinhole does not have are refused.
  writeFileSync(
    join(project, 'tests/mistyped.ts'),
    [
      "import { test, expect } from 'pinhole/test';",
      "test.use({ topolgy: 'routed' });",
      "test('x', async ({ ftp }) => { expect(await ftp({ mode: 'PORX', command: 'RETR' })).toBeBlocked('no-such-cause'); });",
      '',
    ].join('\n'),
  );
  const mistyped = run(['npx', 'tsc', '--noEmit'], project);
  rmSync(join(project, 'tests/mistyped.ts'));
  expect(mistyped.code).not.toBe(0);
  expect(mistyped.output).toContain("'topolgy' does not exist");
  expect(mistyped.output).toContain('"PORX"');
  expect(mistyped.output).toContain('"no-such-cause"');
});

test('npx playwright test: the example\'s expectations pass; a wrong one fails in Playwright\'s reporters with what was observed and the deciding rule', () => {
  test.skip(!project, 'the install failed');
  writeFileSync(
    join(project, 'tests/wrong.spec.ts'),
    [
      "import { test, expect } from 'pinhole/test';",
      "test.use({ topology: 'routed', ruleset: 'firewall/edge.nft' });",
      "test('a wrong expectation: FTPS passive through the helper', async ({ ftp }) => {",
      "  expect(await ftp({ mode: 'EPSV', command: 'RETR', tls: 'explicit' })).toPassThrough();",
      '});',
      '',
    ].join('\n'),
  );
  const jsonFile = join(out(), 'playwright.json');
  const r = run(['npx', 'playwright', 'test', '--reporter=list,json'], project, { PLAYWRIGHT_JSON_OUTPUT_NAME: jsonFile, PINHOLE_CACHE: join(REPO_ROOT, '.cache') });
  expect(r.code, r.output).toBe(1);
  // Neither tsx nor pinhole's reporter: Playwright's own json reporter.
  const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as { stats: { expected: number; unexpected: number } };
  expect(report.stats, r.output).toMatchObject({ expected: 3, unexpected: 1 });
  expect(r.output).toContain('EPSV RETR tls explicit (routed, edge): expected it to pass through');
  expect(r.output).toContain('observed: blocked');
  expect(r.output).toContain('cause: tls-blind:');
  expect(r.output).toMatch(/decided: data connection dropped as NEW by inet filter forward policy drop/);
  expect(r.output).toMatch(/decided: control connection accepted as NEW by rule ".*" at edge\.nft:17/);
  expect(r.output).toMatch(/attachment #\d+: transcript\.txt/);
});

test('pinhole/lab and pinhole/contract outside Playwright: a lab up, one cell asked, its result valid against the contract, the lab down', () => {
  test.skip(!project, 'the install failed');
  writeFileSync(
    join(project, 'one-cell.mjs'),
    [
      "import { askCell, startLab } from 'pinhole/lab';",
      "import { RunReportSchema, runReportJsonSchema } from 'pinhole/contract';",
      "const lab = await startLab({ topology: 'routed' });",
      'try {',
      "  const cell = await askCell(lab, { mode: 'PASV', command: 'RETR' }, 'firewall/edge.nft', 'lab-evidence');",
      "  RunReportSchema.parse({ version: 1, driver: 'netns', results: [cell] });",
      '  console.log(JSON.stringify({ id: cell.id, observed: cell.observed, verdict: cell.verdict, schema: runReportJsonSchema().type }));',
      '} finally {',
      '  await lab[Symbol.asyncDispose]();',
      '}',
      '',
    ].join('\n'),
  );
  const r = run([process.execPath, 'one-cell.mjs'], project, { PINHOLE_CACHE: join(REPO_ROOT, '.cache') });
  expect(r.code, r.output).toBe(0);
  // The helper opens the passive data connection (suites/ftp-stateful's truth for nft-helper).
  expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ id: 'lab/routed/edge/PASV-RETR', observed: 'pass', verdict: 'observed', schema: 'object' });
});
