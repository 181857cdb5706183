/**
 * Throughput through the firewall: a 100 MiB RETR by the pinned probe, on a lab of its own
 * whose test file is that large, once through a rule set and once through no firewall rules at
 * all (`flush ruleset`, what the rule set loader itself suggests for "no firewall"). The figure
 * is the probe's `transfer` phase (150 reply to 226 reply, the bytes hashed as they arrive)
 * divided into the bytes received. Rounds alternate between the two rule sets, so a burst of
 * load on this shared machine hurts both alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Driver } from '../drivers/driver.ts';
import { Lab } from '../lab/lab.ts';
import { runTransfer } from '../scenarios/transfer.ts';
import type { Mode } from '../model.ts';
import { loadRuleset, type Ruleset } from '../rulesets/load-ruleset.ts';
import type { TopologySpec } from '../topology/schema.ts';

export const THROUGHPUT_BYTES = 100 * 1024 * 1024;
const MiB = 1024 * 1024;

/** MiB/s per round, by rule set name and mode. */
export type ThroughputFigures = Map<string, number[]>;
export const throughputKey = (ruleset: string, mode: Mode) => `${ruleset} ${mode}`;

export async function measureThroughput(spec: TopologySpec, driver: Driver, rulesetFile: string, modes: readonly Mode[], rounds: number): Promise<ThroughputFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'pinhole-bench-'));
  const figures: ThroughputFigures = new Map();
  try {
    const noRules = join(dir, 'no-ruleset.nft');
    writeFileSync(noRules, '# no firewall rules: the harness adds only its SYN-tracing observer\nflush ruleset\n');
    const rulesets: Ruleset[] = [await loadRuleset(rulesetFile), await loadRuleset(noRules)];
    await using lab = await Lab.up(spec, driver, { testFileBytes: THROUGHPUT_BYTES, logsDir: dir });
    for (let i = 0; i < rounds; i++) {
      for (const mode of modes) {
        for (const ruleset of rulesets) {
          const { observation: o } = await runTransfer(lab, ruleset, { scenario: 'transfer', mode, command: 'RETR' });
          const transfer = o.phases.find((p) => p.phase === 'transfer');
          if (o.outcome !== 'pass' || !transfer?.ok) throw new Error(`throughput ${ruleset.name} ${mode}: ${o.outcome}: ${o.cause}`);
          const key = throughputKey(ruleset.name, mode);
          figures.set(key, [...(figures.get(key) ?? []), THROUGHPUT_BYTES / MiB / (transfer.ms / 1000)]);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
