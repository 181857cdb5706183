// The findings where reviewers look, end to end: an explore whose expectation file says every
// mode passes, through a rule set that blocks active FTP (no helper, policy drop), run as a
// GitHub Actions job with --sarif and --codequality; the workflow commands parsed back from
// stdout, the job summary, the Code Quality report and SARIF read back. Outside CI, with no
// flag, the output has no workflow command and nothing else is written.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '../../harness/paths.ts';
import { scratchDir } from '../support/scratch-dir.ts';

const out = scratchDir('pinhole-ci-outputs-test-');
/** An explore of 8 cells takes 5-10 s; a busy two-core machine three times that. */
test.describe.configure({ timeout: 120_000 });

const RULESET = 'suites/ftp-stateful/rulesets/passive-range-no-helper.nft';

function explore(extra: string[], env: Record<string, string>) {
  const dir = out();
  const expectFile = join(dir, 'all-pass.expect.yaml');
  writeFileSync(expectFile, 'expect:\n  PORT: pass\n  EPRT: pass\n  PASV: pass\n  EPSV: pass\n');
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GITHUB_|GITLAB_CI|CI_PROJECT_DIR)/.test(k)));
  return spawnSync(process.execPath, ['harness/cli/pinhole.mjs', 'explore', '--topology', 'routed', '--ruleset', RULESET, '--expect', expectFile, '--evidence', 'none', ...extra], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 100_000,
    env: { ...clean, NO_COLOR: '1', PINHOLE_ADVICE: 'off', ...env },
  });
}

/** A workflow command read back as GitHub reads it: `::kind props::message`, each value unescaped. */
function parseCommand(line: string) {
  const m = /^::(\w+) ([^:]*)::(.*)$/.exec(line);
  if (!m) return undefined;
  const unescape = (s: string) => s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const props = Object.fromEntries(m[2]!.split(',').map((p) => p.split('=', 2) as [string, string]).map(([k, v]) => [k, unescape(v)]));
  return { kind: m[1]!, props, message: unescape(m[3]!) };
}

test('as a GitHub Actions job: the policy line annotated, the summary written, Code Quality and SARIF at the same line; outside CI, none of it', () => {
  const dir = out();
  const summary = join(dir, 'summary.md');
  const [sarif, codequality] = [join(dir, 'pinhole.sarif'), join(dir, 'gl-code-quality.json')];
  const r = explore(['--sarif', sarif, '--codequality', codequality], { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: REPO_ROOT, GITHUB_STEP_SUMMARY: summary });
  expect(r.status, r.stderr).toBe(1);
  const commands = r.stdout.split('\n').filter((l) => l.startsWith('::')).map(parseCommand);
  // The four active cells share one deciding line: the forward chain's `policy drop;`.
  expect(commands).toEqual([
    {
      kind: 'error',
      props: { file: RULESET, line: '6', title: 'pinhole: no-helper' },
      message: expect.stringMatching(/^PORT RETR, PORT STOR, EPRT RETR, EPRT STOR \(vsftpd, probe\) in explore passive-range-no-helper on routed: expected pass, blocked; by the chain's policy drop\. Cause: no-helper: /),
    },
  ]);
  expect(readFileSync(RULESET.replace(/^/, `${REPO_ROOT}/`), 'utf8').split('\n')[5]).toContain('policy drop;');

  const md = readFileSync(summary, 'utf8');
  expect(md).toMatch(/^## pinhole explore passive-range-no-helper on routed\n\n8 cells: 4 compliant, 4 violation\n/);
  expect(md).toContain(`- **violation** at \`${RULESET}:6\``);

  const quality = JSON.parse(readFileSync(codequality, 'utf8')) as Array<{ severity: string; location: { path: string; lines: { begin: number } } }>;
  expect(quality.map((q) => [q.severity, q.location.path, q.location.lines.begin])).toEqual([['major', RULESET, 6]]);
  const log = JSON.parse(readFileSync(sarif, 'utf8')) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }> };
  expect(log.version).toBe('2.1.0');
  expect(log.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine])).toEqual([['violation/no-helper', RULESET, 6]]);

  // Outside CI, no flag: the same run prints no workflow command and writes no summary.
  const plain = explore([], {});
  expect(plain.status, plain.stderr).toBe(1);
  expect(plain.stdout.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
  expect(existsSync(join(REPO_ROOT, 'reports/gl-code-quality.json'))).toBe(false);
});
