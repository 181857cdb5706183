/**
 * A cell's attribution (harness/evidence/attribution.ts) read off its lab: the traced SYNs of the
 * node that carries the rule set, what the lab knows of the rule set (harness/lab/ruleset-knowledge.ts)
 * and the node's expectation counters now.
 */
import type { CellAttribution } from '../cell-contract.ts';
import { attributeCell } from '../evidence/attribution.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { Lab } from '../lab/lab.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { knowRuleset } from '../lab/ruleset-knowledge.ts';
import { parseExpectCounters } from '../rulesets/ruleset-listing.ts';
import { isSyn } from '../nodes/drop-observer.ts';

export async function attributeOnLab(lab: Lab, window: CellWindow, ruleset: Ruleset): Promise<CellAttribution | undefined> {
  const observer = lab.observers.find((o) => o.node.name === lab.rulesetNode.name);
  if (!observer || window.jobs.length === 0) return undefined;
  // The trace reaches pinhole through nft's pipe a little after the packets: a transfer that
  // ended in milliseconds may be read before its data SYN's lines. The fence reads every line the
  // kernel queued before it; a connection never traced is left out, and says so by its absence.
  await observer.fence();
  const traces = observer.traces();
  const [{ rules, listing, handles, natChains }, stats] = await Promise.all([knowRuleset(ruleset, window.listing), lab.rulesetNode.readFile('/proc/net/stat/nf_conntrack')]);
  return attributeCell({
    node: lab.rulesetNode.name,
    traces,
    jobs: window.jobs,
    listing,
    natChains,
    handles,
    fileRules: rules,
    file: ruleset.file,
    before: window.counters,
    after: parseExpectCounters(stats),
    laterDrops: window.drops.flatMap((d) => (d.node === lab.rulesetNode.name && !isSyn(d.packet) && d.hit ? [{ packet: d.packet, hit: d.hit }] : [])),
  });
}
