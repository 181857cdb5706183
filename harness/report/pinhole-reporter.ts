/**
 * The Playwright reporter that turns cells into pinhole's outputs: the matrix on stdout, the
 * JSON contract and JUnit. A cell whose test never produced an observation (skipped, or the lab
 * failed to come up) still appears, as skipped or inconclusive, so no cell silently vanishes.
 */
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { resolve } from 'node:path';
import { unobservedResult } from '../cell-result.ts';
import { clearEvidence, evidenceFiles } from '../evidence/evidence-files.ts';
import type { CellResult, DriverName } from '../model.ts';
import { CELL_ANNOTATION, LADDER_ATTACHMENT, RESULT_ATTACHMENT, type CellMeta } from '../suite-kit.ts';
import type { Ladder } from '../evidence/ladder.ts';
import { evidenceLinks } from './html/evidence-links.ts';
import { writeHtmlReport } from './html-report.ts';
import { buildJsonReport, writeJsonReport } from './json-report.ts';
import { writeJUnitReport } from './junit-report.ts';
import { renderMatrix } from './matrix.ts';

interface Options {
  json: string;
  junit: string;
  html: string;
  driver: DriverName;
}

function firstLine(text: string | undefined): string {
  // Playwright error messages carry ANSI colour codes; reports want plain text.
  // eslint-disable-next-line no-control-regex
  return (text ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim())?.trim() ?? 'unknown error';
}

export default class PinholeReporter implements Reporter {
  private readonly cells = new Map<string, CellResult>();
  private readonly ladders: Record<string, Ladder> = {};

  constructor(private readonly options: Options) {}

  printsToStdio(): boolean {
    return true;
  }

  onBegin(_config: FullConfig, _suite: Suite): void {
    // Workers write this run's evidence beside the JSON report: the last run's must not linger.
    clearEvidence(this.options.json);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const annotation = test.annotations.find((a) => a.type === CELL_ANNOTATION);
    if (!annotation?.description) return;
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
    this.cells.set(cell.id, cell);
    const ladder = result.attachments.find((a) => a.name === LADDER_ATTACHMENT);
    if (ladder?.body) this.ladders[cell.id] = JSON.parse(ladder.body.toString('utf8')) as Ladder;
  }

  onEnd(_result: FullResult): void {
    const cells = [...this.cells.values()];
    const report = buildJsonReport(this.options.driver, cells);
    writeJsonReport(resolve(this.options.json), report);
    writeJUnitReport(resolve(this.options.junit), this.options.driver, report.results, (cell) => evidenceFiles(this.options.json, cell));
    const html = resolve(this.options.html);
    writeHtmlReport(html, { report, ladders: this.ladders, ...evidenceLinks(this.options.json, html, report.results), title: `pinhole ${this.options.driver} run` });
    process.stdout.write(`\n${renderMatrix(report.results, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR })}\n`);
    process.stdout.write(`\nreports: ${resolve(this.options.json)}, ${resolve(this.options.junit)}, ${html}\n`);
  }
}
