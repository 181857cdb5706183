/**
 * The Playwright reporter that turns cells into pinhole's outputs: the matrix on stdout, the
 * JSON contract and JUnit. A cell whose test never produced an observation (skipped, or the lab
 * failed to come up) still appears, as skipped or inconclusive, so no cell silently vanishes.
 */
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestError, TestResult } from '@playwright/test/reporter';
import { resolve } from 'node:path';
import { CELL_ANNOTATION, type CellMeta, type CellResult, LADDER_ATTACHMENT, RESULT_ATTACHMENT, unobservedResult } from '../cell-contract.ts';
import { clearEvidence, evidenceFiles } from '../evidence/evidence-files.ts';
import type { DriverName } from '../model.ts';
import type { Ladder } from '../evidence/ladder.ts';
import { evidenceLinks } from './html/evidence-links.ts';
import { writeHtmlReport } from './html-report.ts';
import { buildJsonReport, writeJsonReport } from './json-report.ts';
import { writeJUnitReport } from './junit-report.ts';
import { keepRenderings } from './kept-renderings.ts';
import { renderMatrix } from './matrix.ts';
import { writeLaddersFile } from './merge-reports.ts';
import { isLiveTerminal, Progress } from './progress.ts';
import { restoreViolation } from './violation-outcome.ts';

interface Options {
  json: string;
  junit: string;
  /** Where the HTML report goes; none when not given. */
  html?: string;
  driver: DriverName;
  /** Where to write the ladders as data (a shard's, for `pinhole merge`); none when not given. */
  ladders?: string;
  /** What ran, for the HTML report's title (default `pinhole <driver> run`). */
  title?: string;
  /** Playwright's `list` reporter prints too (PINHOLE_VERBOSE): progress keeps to plain lines then. */
  verbose?: boolean;
}

function firstLine(text: string | undefined): string {
  // Playwright error messages carry ANSI colour codes; reports want plain text.
  // eslint-disable-next-line no-control-regex
  return (text ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim())?.trim() ?? 'unknown error';
}

/** A test's own errors in full (message and stack), as Playwright's list reporter would show them. */
function errorText(errors: readonly TestError[]): string {
  return errors.map((e) => e.stack ?? e.message ?? e.value ?? 'unknown error').join('\n');
}

const indent = (text: string) => text.replace(/^/gm, '    ');

/** `ftp-stateful › nft-helper › PORT RETR`: the cell as the matrix names it. */
function cellTitle(test: TestCase): string {
  const annotation = test.annotations.find((a) => a.type === CELL_ANNOTATION);
  if (!annotation?.description) return test.titlePath().filter(Boolean).join(' › ');
  const meta = JSON.parse(annotation.description) as CellMeta;
  return [meta.suite, meta.ruleset, test.title].join(' › ');
}

export default class PinholeReporter implements Reporter {
  private readonly cells = new Map<string, CellResult>();
  private readonly ladders: Record<string, Ladder> = {};
  private readonly progress: Progress;
  private total = 0;
  /**
   * Tests that threw before observing anything, by error: printed at the end, in full, once per
   * error (a lab that did not come up fails every cell of its file the same way).
   */
  private readonly harnessErrors = new Map<string, string[]>();
  /** Errors of tests whose cell did what it should: thrown around the cell, by error. */
  private readonly errorsAround = new Map<string, string[]>();

  constructor(private readonly options: Options) {
    this.progress = new Progress(process.stdout, { live: !options.verbose && isLiveTerminal(process.stdout, process.env) });
  }

  printsToStdio(): boolean {
    return true;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    // Workers write this run's evidence beside the JSON report: the last run's must not linger.
    clearEvidence(this.options.json);
    this.total = suite.allTests().length;
    this.progress.begin(this.total, config.workers);
  }

  onTestBegin(test: TestCase): void {
    this.progress.testBegin(test.id, cellTitle(test));
  }

  // Without Playwright's list reporter nobody else prints these: through the progress line, not over it.
  onStdOut(chunk: string | Buffer): void {
    if (!this.options.verbose) this.progress.interject(chunk.toString());
  }

  onStdErr(chunk: string | Buffer): void {
    if (!this.options.verbose) this.progress.interject(chunk.toString(), process.stderr);
  }

  onError(error: TestError): void {
    if (!this.options.verbose) this.progress.interject(`pinhole: error outside any cell:\n${indent(errorText([error]))}\n`, process.stderr);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    // First, before any reporter listed after this one reads the test (harness/report/violation-outcome.ts).
    restoreViolation(test, result);
    if (result.errors.length > 0 && !result.attachments.some((a) => a.name === RESULT_ATTACHMENT)) {
      const text = errorText(result.errors);
      this.harnessErrors.set(text, [...(this.harnessErrors.get(text) ?? []), cellTitle(test)]);
    }
    const annotation = test.annotations.find((a) => a.type === CELL_ANNOTATION);
    if (!annotation?.description) {
      this.progress.testEnd(test.id, null);
      return;
    }
    const meta = JSON.parse(annotation.description) as CellMeta;
    const attached = result.attachments.find((a) => a.name === RESULT_ATTACHMENT);
    let cell: CellResult;
    if (attached?.body) {
      cell = JSON.parse(attached.body.toString('utf8')) as CellResult;
    } else {
      // An interrupted cell (Ctrl-C) observed nothing: it is reported, as skipped, not judged.
      const skipped = result.status === 'skipped' || result.status === 'interrupted';
      const reason =
        result.status === 'interrupted'
          ? 'interrupted: the run was stopped before this cell finished'
          : skipped
            ? test.annotations.find((a) => a.type === 'skip')?.description ?? 'skipped'
            : `harness-error: ${firstLine(result.error?.message)}`;
      cell = unobservedResult(meta, { skipped, cause: reason, durationMs: result.duration });
    }
    cell.testMs = result.duration;
    // A cell as expected whose test failed all the same: a hook or fixture threw around it
    // (Playwright counts an afterAll's error against the last test it ran).
    if (result.status === 'failed' && (cell.verdict === 'compliant' || cell.verdict === 'accepted')) this.errorsAround.set(errorText(result.errors), [...(this.errorsAround.get(errorText(result.errors)) ?? []), cellTitle(test)]);
    this.cells.set(cell.id, cell);
    const ladder = result.attachments.find((a) => a.name === LADDER_ATTACHMENT);
    if (ladder?.body) this.ladders[cell.id] = JSON.parse(ladder.body.toString('utf8')) as Ladder;
    this.progress.testEnd(test.id, cell.verdict);
  }

  onEnd(result: FullResult): void {
    this.progress.finish();
    if (!this.options.verbose) this.printHarnessErrors();
    const cells = [...this.cells.values()];
    const report = buildJsonReport(this.options.driver, keepRenderings(cells, this.options.json));
    writeJsonReport(resolve(this.options.json), report);
    writeJUnitReport(resolve(this.options.junit), this.options.driver, report.results, (cell) => evidenceFiles(this.options.json, cell));
    const html = this.options.html && resolve(this.options.html);
    if (this.options.ladders) writeLaddersFile(resolve(this.options.ladders), report.results, this.ladders);
    if (html) writeHtmlReport(html, { report, ladders: this.ladders, ...evidenceLinks(this.options.json, html, report.results), title: this.options.title ?? `pinhole ${this.options.driver} run` });
    process.stdout.write(`\n${renderMatrix(report.results, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`);
    if (result.status === 'interrupted') process.stdout.write(`\n${this.interruptionSummary(cells)}\n`);
    process.stdout.write(`\nreports: ${resolve(this.options.json)}, ${resolve(this.options.junit)}${html ? `, ${html}` : ''}\n`);
  }

  /** What an interrupted run did and did not do: the report holds only the cells it observed. */
  private interruptionSummary(cells: readonly CellResult[]): string {
    const cut = cells.filter((c) => c.cause?.startsWith('interrupted:'));
    const notRun = Math.max(0, this.total - cells.length);
    const names = cut.length > 0 ? `: ${cut.map((c) => c.id).join(', ')}` : '';
    return `interrupted: ${cells.length - cut.length} of ${this.total} cells observed, ${cut.length} cut short${names}, ${notRun} not started`;
  }

  private printHarnessErrors(): void {
    const which = (titles: string[]) => (titles.length === 1 ? titles[0] : `${titles.length} cells: ${titles.slice(0, 3).join(', ')}${titles.length > 3 ? ` and ${titles.length - 3} more` : ''}`);
    for (const [text, titles] of this.harnessErrors) process.stdout.write(`\nharness error (the test threw before observing anything) in ${which(titles)}\n${indent(text)}\n`);
    for (const [text, titles] of this.errorsAround) process.stdout.write(`\nerror around a cell (a hook or fixture threw; the cell itself did as expected) in ${which(titles)}\n${indent(text)}\n`);
  }
}
