/**
 * One truth per suite: the truth table each suite spec file states in its header comment (prose,
 * for people) says what the cells the code declares expect (verified by real runs), row for row.
 * The cells come from `playwright test --list` on the suites' config: no lab is brought up, and
 * the header format is in test/support/truth-header.ts.
 */
import { encodeRunConfig, RUN_CONFIG_ENV, runConfigOf } from '../../harness/run-config.ts';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { CELL_ANNOTATION } from '../../harness/cell-contract.ts';
import { compareTruth, parseTruthTable, readTruthHeader, type DeclaredCell, type TruthHeader } from '../support/truth-header.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUITES = join(ROOT, 'suites');
const PLAYWRIGHT_CLI = fileURLToPath(import.meta.resolve('@playwright/test/cli'));

/** suites/<area>/*.spec.ts, relative to the repository. */
const SPEC_FILES = readdirSync(SUITES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(SUITES, d.name)).filter((f) => f.endsWith('.spec.ts')).map((f) => `suites/${d.name}/${f}`))
  .sort();

/** Spec files grouped by the file whose header holds their table (dnat-cells.ts for both ftp-dnat specs). */
const HEADERS = new Map<string, { header: TruthHeader; specFiles: string[] }>();
for (const specFile of SPEC_FILES) {
  const header = readTruthHeader(join(ROOT, specFile), ROOT);
  const key = relative(ROOT, header.file);
  const group = HEADERS.get(key) ?? { header, specFiles: [] };
  group.specFiles.push(specFile);
  HEADERS.set(key, group);
}

interface ListedSuite {
  file?: string;
  suites?: ListedSuite[];
  specs?: Array<{ tests: Array<{ annotations: Array<{ type: string; description?: string }> }> }>;
}

/** Every cell the suites declare, known-bad included, by spec file (relative to the repository). */
function declaredCells(): { cells: DeclaredCell[]; errors: string[] } {
  const r = spawnSync(process.execPath, [PLAYWRIGHT_CLI, 'test', '-c', join(SUITES, 'playwright.config.ts'), '--list', '--reporter=json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 60_000,
    // A grep naming known-bad lifts the config's grepInvert of @known-bad; `|.` keeps every other cell.
    env: { ...process.env, CI: '1', NO_COLOR: '1', [RUN_CONFIG_ENV]: encodeRunConfig(runConfigOf({ grep: '@known-bad|.' })) },
  });
  if (r.status !== 0 && !r.stdout.trimStart().startsWith('{')) return { cells: [], errors: [`playwright --list exited ${r.status ?? r.signal}: ${r.stderr}`] };
  const report = JSON.parse(r.stdout) as { suites: ListedSuite[]; errors: Array<{ message: string }> };
  const cells: DeclaredCell[] = [];
  const walk = (s: ListedSuite, specFile: string) => {
    for (const spec of s.specs ?? [])
      for (const t of spec.tests)
        for (const a of t.annotations) if (a.type === CELL_ANNOTATION) cells.push({ ...(JSON.parse(a.description!) as DeclaredCell), specFile });
    for (const child of s.suites ?? []) walk(child, specFile);
  };
  // The top-level suites are the spec files, named relative to the config's testDir (suites/).
  for (const s of report.suites) walk(s, `suites/${s.file}`);
  return { cells, errors: report.errors.map((e) => e.message) };
}

let listed: ReturnType<typeof declaredCells> | undefined;
/** Listed once per worker; a suite that does not load fails every test with its error, not with a missing cell per row. */
function listing(): { cells: DeclaredCell[] } {
  listed ??= declaredCells();
  if (listed.errors.length > 0) throw new Error(`listing the suites' cells failed:\n${listed.errors.join('\n')}`);
  return listed;
}

test('the listing declares cells in every suite spec file, known-bad included', () => {
  const { cells } = listing();
  expect(SPEC_FILES).toContain('suites/ftp-security/known-bad.spec.ts');
  expect([...new Set(cells.map((c) => c.specFile))].sort()).toEqual(SPEC_FILES);
});

for (const [headerFile, { header, specFiles }] of HEADERS) {
  const whose = specFiles.length === 1 && specFiles[0] === headerFile ? '' : ` (the header of ${specFiles.join(', ')})`;
  test(`${headerFile}${whose}: the header's truth table is the cells' truth`, () => {
    const cells = listing().cells.filter((c) => specFiles.includes(c.specFile));
    expect(compareTruth(header, cells, ROOT)).toEqual([]);
  });
}

test('a word changed in a header is reported with its file, row, column and cells', () => {
  // The real ftp-stateful table with nft-helper's PASV flipped, against the real cells.
  const file = join(ROOT, 'suites/ftp-stateful/ftp-stateful.spec.ts');
  const source = readFileSync(file, 'utf8');
  const row = /^ \*   nft-helper +pass +pass +pass /m.exec(source);
  if (!row) throw new Error('ftp-stateful.spec.ts has no header row `nft-helper  pass  pass  pass ...` to flip: pick another row here');
  const line = source.slice(0, row.index).split('\n').length;
  const flipped = source.slice(0, row.index) + row[0].replace(/pass +$/, 'blocked ') + source.slice(row.index + row[0].length);
  const cells = listing().cells.filter((c) => c.specFile === 'suites/ftp-stateful/ftp-stateful.spec.ts');
  expect(compareTruth(parseTruthTable(file, flipped, ROOT), cells, ROOT)).toEqual([
    expect.stringMatching(
      new RegExp(`^suites/ftp-stateful/ftp-stateful\\.spec\\.ts:${line} row 'nft-helper' column PASV: the header says blocked, the code expects pass in 5 of 5 cell\\(s\\): ftp-stateful/routed/nft-helper/PASV-RETR, `),
    ),
  ]);
});
