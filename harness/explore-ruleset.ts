/**
 * One rule set through the four modes x RETR and STOR on a lab that is already up, with no
 * expectations: what the packets do. `explore` runs it once, `diff` twice on the same lab (the
 * lab resets the firewall before every cell, so rule sets can follow each other on it).
 */
import { cellResult, DEFAULT_DIMENSIONS } from './cell-result.ts';
import type { Lab } from './lab.ts';
import { MODES, type CellResult, type FtpCommand } from './model.ts';
import type { Ruleset } from './rulesets/load-ruleset.ts';

/** One download and one upload: the two directions a data connection can be set up for. */
export const EXPLORE_COMMANDS = ['RETR', 'STOR'] as const satisfies readonly FtpCommand[];

export interface ExploreLabel {
  /** The `suite` of every row (`explore`, `diff-old`...). */
  suite: string;
  /** The `ruleset` of every row; default the file's name without extension. */
  ruleset?: string;
}

export async function exploreRuleset(lab: Lab, ruleset: Ruleset, label: ExploreLabel): Promise<CellResult[]> {
  const cells: CellResult[] = [];
  for (const mode of MODES) {
    for (const command of EXPLORE_COMMANDS) {
      const o = await lab.runCell({ ruleset, mode, command });
      const meta = {
        suite: label.suite,
        topology: lab.topology.spec.name,
        ruleset: label.ruleset ?? ruleset.name,
        mode,
        command,
        ...DEFAULT_DIMENSIONS,
        ...lab.dimensions,
        expected: null,
      };
      cells.push(cellResult(meta, { client: lab.client.name, server: lab.server.name }, o));
    }
  }
  return cells;
}
