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

const parsedFiles = new Map<string, RulesByChain>();

export async function attributeOnLab(lab: Lab, window: CellWindow, ruleset: Ruleset): Promise<CellAttribution | undefined> {
  const observer = lab.observers.find((o) => o.node.name === lab.firewall.name);
  if (!observer || window.jobs.length === 0) return undefined;
  const traces = observer.traces();
  const [listing, stats] = await Promise.all([window.listing(), lab.firewall.readFile('/proc/net/stat/nf_conntrack')]);
  const key = `${ruleset.format}\0${ruleset.text}`;
  let rules = parsedFiles.get(key);
  if (!rules) parsedFiles.set(key, (rules = fileRules(ruleset.text, ruleset.format)));
  return attributeCell({
    node: lab.firewall.name,
    traces,
    jobs: window.jobs,
    listing: listing.ruleset,
    handles: chainHandles(listing.json),
    fileRules: rules,
    file: ruleset.file,
    before: window.counters,
    after: parseExpectCounters(stats),
  });
}
