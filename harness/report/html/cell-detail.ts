/**
 * What the detail panel shows for one cell: the verdict and its cause, the rule change that
 * would fix it, where the evidence files are, and the packets as the firewall saw them.
 * Rendered ahead of time into a `<template>`, so the page script only moves markup around and
 * never builds it from strings.
 */
import type { Ladder } from '../../evidence/ladder.ts';
import { causeCode, type CellResult } from '../../model.ts';
import { scenarioLabel } from './html-matrix.ts';
import { escapeHtml, safeHref } from './html-escape.ts';
import { renderLadderSvg } from './ladder-svg.ts';
import { renderPacketList } from './ladder-text.ts';
import { OUTCOME_WORD, outcomeKey, VERDICT_MARK, verdictClass } from './verdict-marks.ts';

export interface CellEvidence {
  /** The cell's evidence directory as an href relative to the HTML file; null when none was kept. */
  href: string | null;
  /** File names inside it; none known links the directory itself. */
  files: readonly string[];
}

export function renderCellDetail(cell: CellResult, ladder: Ladder | undefined, evidence: CellEvidence): string {
  const mark = VERDICT_MARK[cell.verdict];
  const facts: [string, string][] = [
    ['suite', `${escapeHtml(cell.suite)} on ${escapeHtml(cell.topology)}`],
    ['rule set', escapeHtml(cell.ruleset)],
    ['scenario', escapeHtml(scenarioLabel(cell)) + nodesText(cell)],
    ['expected', escapeHtml(cell.expected ?? 'nothing (explore)')],
    ['observed', escapeHtml(OUTCOME_WORD[outcomeKey(cell)])],
    ['verdict', `<span class="verdict ${verdictClass(cell.verdict)}">${mark === '' ? '' : `<span aria-hidden="true">${mark}</span> `}${escapeHtml(cell.verdict)}</span>`],
    ['cause', causeHtml(cell.cause)],
    ['duration', `${Math.round(cell.durationMs)} ms`],
  ];
  return [
    `<h2 class="detail-title">${escapeHtml(`${cell.ruleset} · ${scenarioLabel(cell)}`)}</h2>`,
    `<p class="cell-id"><code>${escapeHtml(cell.id)}</code></p>`,
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`,
    adviceHtml(cell),
    evidenceHtml(evidence),
    `<section class="ladder-box" aria-label="Packets at the firewall"><h3>Packets at the firewall</h3>` +
      (ladder === undefined || ladder.packets.length === 0
        ? `<p class="none">No ladder diagram for this cell${cell.observed === null ? ': it was skipped, nothing was captured' : ''}.</p>`
        : `<div class="ladder-wrap">${renderLadderSvg(ladder)}</div>${renderPacketList(ladder)}`) +
      `</section>`,
  ].join('\n');
}

/** The client and server node names, only when they are not the usual `client`/`server`. */
function nodesText(cell: CellResult): string {
  if ((cell.client === 'client' && cell.server === 'server') || cell.client === '') return '';
  return ` <span class="muted">(${escapeHtml(cell.client)} → ${escapeHtml(cell.server)})</span>`;
}

/** The stable code apart from the detail, so a reader sees which of the known causes it is. */
function causeHtml(cause: string | null): string {
  if (cause === null) return '<span class="muted">none</span>';
  const code = causeCode(cause);
  if (code === undefined) return `<span class="cause-detail">${escapeHtml(cause)}</span>`;
  const detail = cause.slice(cause.indexOf(':') + 1).trim();
  return `<code class="cause-code">${code}</code>${detail === '' ? '' : ` <span class="cause-detail">${escapeHtml(detail)}</span>`}`;
}

function adviceHtml(cell: CellResult): string {
  if (cell.advice === null) return '';
  const badge = cell.advice.verified
    ? '<span class="badge verified"><span aria-hidden="true">✓</span> verified by re-running</span>'
    : '<span class="badge unverified"><span aria-hidden="true">?</span> not verified</span>';
  return (
    `<section class="advice" aria-label="Advice"><h3>Advice ${badge}</h3>` +
    `<p>The smallest rule change found that makes this cell compliant:</p>` +
    `<pre><code>${escapeHtml(cell.advice.change)}</code></pre></section>`
  );
}

function evidenceHtml(evidence: CellEvidence): string {
  const dir = evidence.href === null ? null : safeHref(evidence.href);
  if (dir === null) return '';
  const base = dir.replace(/\/+$/, '');
  const links =
    evidence.files.length === 0
      ? [`<li><a href="${escapeHtml(dir)}">evidence directory</a></li>`]
      : evidence.files.map((name) => `<li><a href="${escapeHtml(`${base}/${encodePath(name)}`)}">${escapeHtml(name)}</a></li>`);
  return `<section class="evidence" aria-label="Evidence"><h3>Evidence</h3><ul>${links.join('')}</ul></section>`;
}

/** File names may hold `#`, `?` or spaces; sub-directories keep their slashes. */
function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

