/**
 * One rule set through the four modes x RETR and STOR on a lab that is already up: what the
 * packets do, judged where the caller says what a cell must do. `explore` runs it once, `diff`
 * twice on the same lab (the lab resets the firewall before every cell, so rule sets can
 * follow each other on it).
 */
import { nowDoing } from '../activity.ts';
import { type CellResult, DEFAULT_DIMENSIONS, unobservedResult } from '../cell-contract.ts';
import { DEFAULT_JSON_REPORT } from '../evidence/evidence-files.ts';
import type { Ladder } from '../evidence/ladder.ts';
import type { Lab } from '../lab/lab.ts';
import { MODES, type Expectation, type FtpCommand, type Mode } from '../model.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { type CellSettings, DEFAULT_CELL_SETTINGS } from '../run-config.ts';
import { investigateCell } from './investigate-cell.ts';

/** PORT and PASV name IPv4 addresses (RFC 959); EPRT and EPSV are their IPv6-capable forms (RFC 2428). */
const IPV4_ONLY_MODES: ReadonlySet<Mode> = new Set<Mode>(['PORT', 'PASV']);

/** One download and one upload: the two directions a data connection can be set up for. */
export const EXPLORE_COMMANDS = ['RETR', 'STOR'] as const satisfies readonly FtpCommand[];

export interface ExploreLabel {
  /** The `suite` of every row (`explore`, `diff-old`...). */
  suite: string;
  /** The `ruleset` of every row; default the file's name without extension. */
  ruleset?: string;
  /** What each cell must do (`explore --expect`); without it, or where it gives null, cells are only observed. */
  expected?: (mode: Mode, command: FtpCommand) => Expectation | null;
}

export interface ExploreOutcome {
  results: CellResult[];
  /** Each cell's ladder diagram, by cell id (for the HTML report). */
  ladders: Record<string, Ladder>;
}

/** `jsonReport`: where the run's JSON report goes; the cells `evidence` names keep their files beside it. */
export async function exploreRuleset(
  lab: Lab,
  ruleset: Ruleset,
  label: ExploreLabel,
  jsonReport: string = DEFAULT_JSON_REPORT,
  settings: CellSettings = DEFAULT_CELL_SETTINGS,
): Promise<ExploreOutcome> {
  const out: ExploreOutcome = { results: [], ladders: {} };
  const total = MODES.length * EXPLORE_COMMANDS.length;
  for (const mode of MODES) {
    for (const command of EXPLORE_COMMANDS) {
      nowDoing(`running ${ruleset.name} ${mode} ${command} (cell ${out.results.length + 1} of ${total}, on topology ${lab.topology.spec.name})`);
      const meta = {
        suite: label.suite,
        topology: lab.topology.spec.name,
        ruleset: label.ruleset ?? ruleset.name,
        mode,
        command,
        ...DEFAULT_DIMENSIONS,
        ...lab.dimensions,
        // Set before the cell runs: it decides which evidence is kept and what the verdict is.
        expected: label.expected?.(mode, command) ?? null,
      };
      if (meta.family === 'ipv6' && IPV4_ONLY_MODES.has(mode)) {
        // Not a failure of anything: the cell cannot exist on this topology, and says why.
        const cause = `${mode} carries IPv4 addresses only (RFC 2428), and the server of ${lab.topology.spec.name} has no IPv4 address: use EPRT or EPSV`;
        out.results.push(unobservedResult(meta, { skipped: true, cause, durationMs: 0 }));
        continue;
      }
      const cell = await investigateCell(lab, meta, { scenario: 'transfer', mode, command }, ruleset, jsonReport, settings);
      out.results.push(cell.result);
      out.ladders[cell.result.id] = cell.ladder;
    }
  }
  return out;
}
