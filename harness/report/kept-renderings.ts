/**
 * A frontend's rendering kept with the reports: each cell names the rule set its frontend
 * rendered (`frontend.rendering`), which lives in pinhole's cache and is named by `file:line` in
 * the cell's cause and attribution. The files are copied beside the JSON report
 * (`renderings/<name>.nft`, `.iptables`, `.ip6tables`) and the cells name the copies, relative to
 * the report as `evidence` is, so the reports a CI job keeps hold what was applied.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CellResult } from '../cell-contract.ts';

export const RENDERINGS_DIR = 'renderings';

export function keepRenderings(cells: readonly CellResult[], jsonReport: string): CellResult[] {
  const base = dirname(resolve(jsonReport));
  return cells.map((cell) => {
    if (!cell.frontend) return cell;
    const rendering = cell.frontend.rendering.map((file) => {
      // Already kept (a merged or re-read report): a path relative to the report.
      if (!file.startsWith('/')) return file;
      const kept = join(RENDERINGS_DIR, basename(file));
      if (existsSync(file)) {
        mkdirSync(join(base, RENDERINGS_DIR), { recursive: true });
        copyFileSync(file, join(base, kept));
      }
      return kept;
    });
    return { ...cell, frontend: { ...cell.frontend, rendering } };
  });
}
