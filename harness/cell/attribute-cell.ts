/**
 * A cell's attribution (harness/evidence/attribution.ts) read off its lab: the traced SYNs of the
 * node that carries the rule set, the rule set as the kernel holds it (read once per application,
 * shared by the cells of one application), the file's rules by chain (parsed once per rule set)
 * and the node's expectation counters now.
 */
import type { CellAttribution } from '../cell.ts';
import { waitFor } from '../exec.ts';
import { attributeCell, chainHandles } from '../evidence/attribution.ts';
import type { CellWindow } from '../lab/cell-window.ts';
import type { Lab } from '../lab/lab.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { nftStructure } from '../evidence/nft-structure.ts';
import { chainKey, fileRules, type RulesByChain } from '../rulesets/rule-lines.ts';
import { parseExpectCounters } from '../rulesets/ruleset-listing.ts';

/**
 * By rule set: the file's rules by chain, and the kernel's listing and rule handles. A rule
 * set applied again (every cell, for one that keeps state) gets the same rule handles: they are
 * numbered per table, and `flush ruleset` makes the tables anew. So its first application's
 * listing serves them all, and attribution costs a cell one read of the expectation counters.
 */
/** How long a cell's trace may lag behind its packets before attribution goes without it. */
const TRACE_SETTLE_MS = 300;
/** No trace line for this long: the lines of the packets already seen are all in. */
const TRACE_QUIET_MS = 3;

const perRuleset = new Map<string, Promise<{ rules: RulesByChain; listing: string; handles: Map<string, number[]>; natChains: Set<string> }>>();

export async function attributeOnLab(lab: Lab, window: CellWindow, ruleset: Ruleset): Promise<CellAttribution | undefined> {
  const observer = lab.observers.find((o) => o.node.name === lab.firewall.name);
  if (!observer || window.jobs.length === 0) return undefined;
  // The trace reaches pinhole through nft's pipe a little after the packets: a transfer that
  // ended in milliseconds may be read before its data SYN's lines. Each job's connections are
  // waited for, briefly, and then a moment without new lines (a packet's lines for every chain
  // it crosses come together); a connection never traced is left out, and says so by its absence.
  const seen = (t: ReturnType<typeof observer.traces>) =>
    window.jobs.every((j) => t.some((x) => x.packet.daddr === j.host && x.packet.dport === j.port) && j.endpoints.every((e) => t.some((x) => x.packet.dport === e.port)));
  await waitFor('the trace of the cell\'s connections', async () => seen(observer.traces()) && observer.quietFor(TRACE_QUIET_MS), { timeoutMs: TRACE_SETTLE_MS, intervalMs: 2 }).catch(() => undefined);
  const traces = observer.traces();
  const key = `${ruleset.format}\0${ruleset.text}`;
  let known = perRuleset.get(key);
  if (!known) {
    known = window.listing().then((l) => ({
      rules: fileRules(ruleset.text, ruleset.format),
      listing: l.ruleset,
      handles: chainHandles(l.json),
      natChains: new Set(nftStructure(l.json).chains.filter((c) => c.type === 'nat').map((c) => chainKey(c.family, c.table, c.name))),
    }));
    perRuleset.set(key, known);
    known.catch(() => perRuleset.delete(key));
  }
  const [{ rules, listing, handles, natChains }, stats] = await Promise.all([known, lab.firewall.readFile('/proc/net/stat/nf_conntrack')]);
  return attributeCell({
    node: lab.firewall.name,
    traces,
    jobs: window.jobs,
    listing,
    natChains,
    handles,
    fileRules: rules,
    file: ruleset.file,
    before: window.counters,
    after: parseExpectCounters(stats),
  });
}
