/**
 * How a suite declares its cells: one Playwright test per (rule set, mode, command) with the
 * expectation the suite verified. The cell's identity travels in an annotation (so reporters
 * know skipped cells too); the observation travels in an attachment.
 */
import { join } from 'node:path';
import { test, expect } from './fixtures.ts';
import { cellResult, DEFAULT_DIMENSIONS, type CellMeta } from './cell-result.ts';
import type { Expectation, FtpCommand, Mode } from './model.ts';

export type { CellMeta };
import { loadRuleset, rulesetName, type Ruleset } from './rulesets/load-ruleset.ts';

export const CELL_ANNOTATION = 'pinhole-cell';
export const RESULT_ATTACHMENT = 'pinhole-result';

export interface CellSpec {
  suite: string;
  topology: string;
  /** Path of the rule set file, relative to the suite directory. */
  rulesetFile: string;
  suiteDir: string;
  mode: Mode;
  command: FtpCommand;
  expected: Expectation;
  /** Playwright tags (`@nat`, `@port`...): `pinhole run --grep @port` selects by them. */
  tags?: string[];
}

const rulesets = new Map<string, Promise<Ruleset>>();
function rulesetOnce(file: string): Promise<Ruleset> {
  let rs = rulesets.get(file);
  if (!rs) rulesets.set(file, (rs = loadRuleset(file)));
  return rs;
}

/**
 * The arguments of one cell's `test(...)` call. The spec file makes the call itself, so
 * Playwright reports the cell at the spec's line, not here.
 */
export function cell(spec: CellSpec): Parameters<typeof test> {
  const file = join(spec.suiteDir, spec.rulesetFile);
  const ruleset = rulesetName(file);
  const meta: CellMeta = { suite: spec.suite, topology: spec.topology, ruleset, mode: spec.mode, command: spec.command, ...DEFAULT_DIMENSIONS, expected: spec.expected };
  return [
    `${spec.mode} ${spec.command}`,
    { tag: spec.tags ?? [], annotation: { type: CELL_ANNOTATION, description: JSON.stringify(meta) } },
    async ({ lab: labOnce, hostProblems }, testInfo) => {
      test.skip(hostProblems.length > 0, `host cannot run this cell: ${hostProblems.join('; ')}`);
      const lab = await labOnce();
      const observation = await lab.runCell({ ruleset: await rulesetOnce(file), mode: spec.mode, command: spec.command });
      const result = cellResult({ ...meta, ...lab.dimensions }, { client: lab.client.name, server: lab.server.name }, observation);
      await testInfo.attach(RESULT_ATTACHMENT, { body: JSON.stringify(result), contentType: 'application/json' });
      if (observation.outcome !== spec.expected) {
        await testInfo.attach('transcript', { body: observation.transcript.join('\n'), contentType: 'text/plain' });
        await testInfo.attach('phases', { body: JSON.stringify(observation.phases, null, 2), contentType: 'application/json' });
        await testInfo.attach('firewall-ruleset', { body: await lab.snapshotFirewall(), contentType: 'text/plain' });
      }
      // One diagnostic line per check: expected and observed, and why.
      expect(observation.outcome, `${ruleset} ${spec.mode} ${spec.command}: expected ${spec.expected}, observed ${observation.outcome}${observation.cause ? ` (${observation.cause})` : ''}`).toBe(spec.expected);
    },
  ];
}
