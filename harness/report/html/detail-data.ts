/**
 * What the detail panel needs about each cell beyond the run's own JSON report: the scenario's
 * label, the stable code at the head of the cause, and the evidence links, all worked out here
 * with the harness's own rules (model.ts, safeHref) so the page script only lays them out
 * (detail-draw.js). The verdict marks and outcome words travel along, so the panel says them
 * exactly as the matrix does.
 *
 * Panels used to be pre-rendered, one `<template>` per cell; as markup they repeated what the
 * JSON report already holds and came to ~1.5 KB a cell, the largest part of the file once the
 * ladders had become data (ladder-data.ts).
 */
import { causeCode, type CauseCode, type Outcome, type Verdict } from '../../model.ts';
import type { CellResult } from '../../cell-contract.ts';
import { describeConnection } from '../../evidence/attribution.ts';
import { safeHref } from './html-escape.ts';
import { scenarioLabel } from './html-matrix.ts';
import { OUTCOME_WORD, VERDICT_MARK } from './verdict-marks.ts';

export interface CellEvidence {
  /** The cell's evidence directory as an href relative to the HTML file; null when none was kept. */
  href: string | null;
  /** File names inside it; none known links the directory itself. */
  files: readonly string[];
}

export interface CellDetailData {
  /** `PORT RETR`, `PASV STOR curl` (scenarioLabel). */
  scenario: string;
  /** The cause's known code; null when there is no cause or it starts with none. */
  causeCode: CauseCode | null;
  /** null when no evidence was kept or its href is not one a report may link (safeHref). */
  evidence: { href: string; files: readonly string[] } | null;
  /** Which rule decided each connection, in words (harness/evidence/attribution.ts); empty when not traced. */
  connections: string[];
}

export interface DetailTable {
  marks: Record<Verdict, string>;
  words: Record<Outcome | 'none', string>;
  /** One per cell, in the order of the report's results. */
  cells: CellDetailData[];
}

export function detailTable(results: readonly CellResult[], evidenceOf: (cell: CellResult) => CellEvidence): DetailTable {
  const cells = results.map((cell) => {
    const { href, files } = evidenceOf(cell);
    const safe = href === null ? null : safeHref(href);
    return {
      scenario: scenarioLabel(cell),
      causeCode: causeCode(cell.cause) ?? null,
      evidence: safe === null ? null : { href: safe, files },
      connections: (cell.attribution?.connections ?? []).map(describeConnection),
    };
  });
  return { marks: VERDICT_MARK, words: OUTCOME_WORD, cells };
}
