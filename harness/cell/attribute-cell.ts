/**
 * A cell's attribution (harness/evidence/attribution.ts) read off its lab: the traced SYNs of the
 * node that carries the rule set, the rule set as the kernel holds it (read once per application,
 * shared by the cells of one application), the file's rules by chain (parsed once per rule set)
 * and the node's expectation counters now.
 */
import type { CellAttribution } from '../cell.ts';
import { attributeCell, chainHandles } from '../evidence/attribution.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { Lab } from '../lab/lab.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { fileRules, type RulesByChain } from '../rulesets/rule-lines.ts';
import { parseExpectCounters } from '../rulesets/ruleset-listing.ts';

/**
 * By rule set: the file's rules by chain, and the kernel's listing and rule handles. A rule
 * set applied again (every cell, for one that keeps state) gets the same rule handles: they are
 * numbered per table, and `flush ruleset` makes the tables anew. So its first application's
 * listing serves them all, and attribution costs a cell one read of the expectation counters.
 */
const perRuleset = new Map<string, Promise<{ rules: RulesByChain; listing: string; handles: Map<string, number[]> }>>();

export async function attributeOnLab(lab: Lab, window: CellWindow, ruleset: Ruleset): Promise<CellAttribution | undefined> {
  const observer = lab.observers.find((o) => o.node.name === lab.firewall.name);
  if (!observer || window.jobs.length === 0) return undefined;
  const traces = observer.traces();
  const key = `${ruleset.format}\0${ruleset.text}`;
  let known = perRuleset.get(key);
  if (!known) {
    known = window.listing().then((l) => ({ rules: fileRules(ruleset.text, ruleset.format), listing: l.ruleset, handles: chainHandles(l.json) }));
    perRuleset.set(key, known);
    known.catch(() => perRuleset.delete(key));
  }
  const [{ rules, listing, handles }, stats] = await Promise.all([known, lab.firewall.readFile('/proc/net/stat/nf_conntrack')]);
  return attributeCell({
    node: lab.firewall.name,
    traces,
    jobs: window.jobs,
    listing,
    handles,
    fileRules: rules,
    file: ruleset.file,
    before: window.counters,
    after: parseExpectCounters(stats),
  });
}
