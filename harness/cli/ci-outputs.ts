/**
 * The findings told where reviewers look (README, "Failures in the pull request"): GitHub
 * annotations on stdout and the job summary when the run is a GitHub Actions job (or
 * `--annotations github`), a GitLab Code Quality report in a GitLab job (or `--codequality`),
 * SARIF with `--sarif`. Outside CI, and without the flags, nothing changes.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CellResult } from '../cell-contract.ts';
import { REPO_ROOT } from '../paths.ts';
import { codeQualityReport } from '../report/code-quality.ts';
import { type ExpectationPlace, findingsOf } from '../report/findings.ts';
import { workflowCommands, workspacePath } from '../report/github-annotations.ts';
import { jobSummary } from '../report/job-summary.ts';
import { sarifLog } from '../report/sarif.ts';

export const ANNOTATION_FORMATS = ['github', 'none'] as const;

export interface CiOptions {
  /** Default: github in a GitHub Actions job (GITHUB_ACTIONS=true), else none. */
  annotations?: (typeof ANNOTATION_FORMATS)[number];
  /** Default: reports/gl-code-quality.json in a GitLab job (GITLAB_CI set), else none. */
  codequality?: string;
  sarif?: string;
}

export const DEFAULT_CODE_QUALITY_REPORT = 'reports/gl-code-quality.json';

function writeJson(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** A path as the repository names it: relative to `root`, with `/` (absolute when outside it). */
const repositoryPath = (file: string, root: string) => workspacePath(file, root) ?? file;

/** What the command knows of its cells beyond their results (findings.ts, findingsOf). */
export interface FindingSources {
  expectationOf?: (cell: CellResult) => ExpectationPlace | undefined;
  rulesetFileOf?: (cell: CellResult) => string | undefined;
}

/** Tells the findings of `results`. */
export function publishFindings(title: string, results: readonly CellResult[], reports: readonly string[], opts: CiOptions, sources: FindingSources = {}, env: NodeJS.ProcessEnv = process.env): void {
  const root = resolve(env.GITHUB_WORKSPACE || env.CI_PROJECT_DIR || process.cwd());
  const findings = findingsOf(results, sources.expectationOf, sources.rulesetFileOf);
  if ((opts.annotations ?? (env.GITHUB_ACTIONS === 'true' ? 'github' : 'none')) === 'github') {
    for (const line of workflowCommands(findings, root)) process.stdout.write(`${line}\n`);
  }
  if (env.GITHUB_STEP_SUMMARY) {
    const place = (file: string, line?: number) => `${repositoryPath(file, root)}${line !== undefined ? `:${line}` : ''}`;
    appendFileSync(env.GITHUB_STEP_SUMMARY, jobSummary(title, results, reports.map((r) => repositoryPath(r, root)), place, findings));
  }
  const codequality = opts.codequality ?? (env.GITLAB_CI ? DEFAULT_CODE_QUALITY_REPORT : undefined);
  if (codequality) {
    writeJson(resolve(codequality), codeQualityReport(findings, (f) => repositoryPath(f, root)));
  }
  if (opts.sarif) {
    const version = (JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    writeJson(resolve(opts.sarif), sarifLog(findings, (f) => repositoryPath(f, root), version));
  }
}
