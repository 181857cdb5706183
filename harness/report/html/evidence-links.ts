/**
 * Evidence hrefs for an HTML report written beside (or away from) its JSON report. A cell's
 * `evidence` is relative to the JSON report's directory (the JSON contract); a link must be
 * relative to the HTML file instead, so the pair can be moved or archived together and still
 * open from disk.
 */
import { readdirSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { CellResult } from '../../cell-contract.ts';

export interface EvidenceLinks {
  evidenceHref: (cell: CellResult) => string | null;
  evidenceFiles: Record<string, string[]>;
}

export function evidenceLinks(jsonFile: string, htmlFile: string, results: readonly CellResult[]): EvidenceLinks {
  const jsonDir = dirname(resolve(jsonFile));
  const htmlDir = dirname(resolve(htmlFile));
  const evidenceHref = (cell: CellResult) => (cell.evidence === null ? null : toHref(relative(htmlDir, resolve(jsonDir, cell.evidence))));
  const evidenceFiles: Record<string, string[]> = {};
  for (const cell of results) {
    if (cell.evidence === null) continue;
    const files = listFiles(resolve(jsonDir, cell.evidence));
    if (files !== null) evidenceFiles[cell.id] = files;
  }
  return { evidenceHref, evidenceFiles };
}

/** Files under `dir`, sub-directories flattened as `a/b`, sorted; null when `dir` is gone. */
function listFiles(dir: string): string[] | null {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, resolve(entry.parentPath, entry.name)).split(sep).join('/'))
      .sort();
  } catch (err) {
    // A report read back after its evidence was pruned still links the directory.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function toHref(path: string): string {
  return (path === '' ? '.' : path).split(sep).map(encodeURIComponent).join('/');
}
