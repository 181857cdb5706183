/**
 * A failed or violating cell's evidence on disk, one directory per cell beside the JSON report
 * (`reports/evidence/<cell>/`): what the probe saw, what the firewall held, and the packets on
 * each side of it. Plain files, so a person opens them with less and Wireshark, CI keeps them as
 * artifacts, and JUnit and the HTML report link to them.
 */
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Advice, CellResult, Observation } from '../cell-contract.ts';
import type { FirewallState } from './firewall-state.ts';
import type { Ladder } from './ladder.ts';

/** Where the JSON report is written by default; evidence lives beside it. */
export const DEFAULT_JSON_REPORT = 'reports/results.json';

export function evidenceRoot(jsonReport: string): string {
  return join(dirname(resolve(jsonReport)), 'evidence');
}

/** A cell id as a directory name: ids hold `/` and `+`; keep them readable, never a path. */
export function evidenceDirName(id: string): string {
  return id.replace(/\//g, '__').replace(/[^A-Za-z0-9._+-]/g, '_');
}

export interface EvidenceParts {
  cell: Pick<CellResult, 'id' | 'expected' | 'verdict'>;
  observation: Observation;
  advice: Advice | null;
  state: FirewallState | undefined;
  /** One capture per firewall interface, as pcap files. */
  captures?: Record<string, Buffer>;
  ladder?: Ladder | undefined;
}

/** Writes the cell's files; returns the directory relative to the JSON report's, and the file names. */
export async function writeEvidence(jsonReport: string, parts: EvidenceParts): Promise<{ dir: string; files: string[] }> {
  const root = evidenceRoot(jsonReport);
  const dir = join(root, evidenceDirName(parts.cell.id));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const o = parts.observation;
  const files: Record<string, string | Buffer> = {
    'summary.txt': [
      `cell: ${parts.cell.id}`,
      `expected: ${parts.cell.expected ?? 'nothing (explore)'}`,
      `observed: ${o.outcome}`,
      `verdict: ${parts.cell.verdict}`,
      `cause: ${o.cause ?? '-'}`,
      `advice: ${parts.advice ? `${parts.advice.verified ? 'verified by re-running the cell with it applied' : 'not verified'}\n${indent(parts.advice.change)}` : '-'}`,
      '',
    ].join('\n'),
    'transcript.txt': `${o.transcript.join('\n')}\n`,
    'phases.json': `${JSON.stringify(o.phases, null, 2)}\n`,
  };
  const s = parts.state;
  if (s) {
    files['ruleset.txt'] = s.ruleset;
    if (s.saved) files['ruleset.saved.txt'] = s.saved;
    files['conntrack.txt'] = [
      '# conntrack -L (the firewall\'s connections when the cell ended; helper=ftp marks a helper)',
      s.raw.conntrack?.trim() ?? '',
      '',
      '# conntrack -L expect (expectations still waiting)',
      s.raw.expect?.trim() || '(none)',
      '',
      '# /proc/net/stat/nf_conntrack (expect_create: expectations created; expect_new: connections that matched one)',
      s.raw.counters?.trim() ?? '',
      '',
    ].join('\n');
  }
  for (const [iface, pcap] of Object.entries(parts.captures ?? {})) files[`${iface}.pcap`] = pcap;
  if (parts.ladder) files['ladder.json'] = `${JSON.stringify(parts.ladder, null, 2)}\n`;
  await Promise.all(Object.entries(files).map(([name, body]) => writeFile(join(dir, name), body)));
  return { dir: relative(dirname(resolve(jsonReport)), dir), files: Object.keys(files).sort() };
}

/** The evidence files of a cell, as absolute paths (for JUnit attachments); none when it kept none. */
export function evidenceFiles(jsonReport: string, cell: Pick<CellResult, 'evidence'>): string[] {
  if (!cell.evidence) return [];
  const abs = join(dirname(resolve(jsonReport)), cell.evidence);
  try {
    return readdirSync(abs).sort().map((f) => join(abs, f));
  } catch {
    return [];
  }
}

/** A new run starts without the previous run's evidence, so no stale file is linked. */
export function clearEvidence(jsonReport: string): void {
  rmSync(evidenceRoot(jsonReport), { recursive: true, force: true });
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n');
}
