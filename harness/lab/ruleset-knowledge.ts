/**
 * What naming a traced verdict as the user wrote it needs of a rule set: the file's rules by
 * chain (parsed once per rule set), the kernel's listing and rule handles (read once per
 * application), and which chains are NAT chains. A rule set applied again (every cell, for one
 * that keeps state) gets the same rule handles: they are numbered per table, and `flush ruleset`
 * makes the tables anew. So its first application's listing serves them all.
 */
import type { RuleHit } from '../cell-contract.ts';
import { chainHandles, ruleHitOf } from '../evidence/attribution.ts';
import { nftStructure } from '../evidence/nft-structure.ts';
import type { TraceVerdict } from '../nodes/drop-observer.ts';
import { rulesetKey, type Ruleset } from '../rulesets/load-ruleset.ts';
import { withConfigSources } from '../frontends/config-sources.ts';
import { chainKey, fileRules, type RulesByChain } from '../rulesets/rule-lines.ts';
import type { RulesetListing } from '../rulesets/ruleset-listing.ts';

export interface RulesetKnowledge {
  rules: RulesByChain;
  listing: string;
  handles: Map<string, number[]>;
  natChains: Set<string>;
}

const perRuleset = new Map<string, Promise<RulesetKnowledge>>();

export function knowRuleset(ruleset: Ruleset, listing: () => Promise<RulesetListing>): Promise<RulesetKnowledge> {
  const key = rulesetKey(ruleset);
  let known = perRuleset.get(key);
  if (!known) {
    known = listing().then((l) => ({
      rules: rulesOf(ruleset),
      listing: l.ruleset,
      handles: chainHandles(l.json),
      natChains: new Set(nftStructure(l.json).chains.filter((c) => c.type === 'nat').map((c) => chainKey(c.family, c.table, c.name))),
    }));
    perRuleset.set(key, known);
    known.catch(() => perRuleset.delete(key));
  }
  return known;
}

/**
 * The rule set's rules by chain as written: both halves of a pair, each rule of the IPv6 half
 * in its own file, and each rule of a rendering with the configuration element it comes from.
 */
export function rulesOf(rs: Ruleset): RulesByChain {
  const rules = fileRules(rs.text, rs.format);
  if (rs.ipv6) {
    for (const [key, list] of fileRules(rs.ipv6.text, 'ip6tables')) rules.set(key, list.map((r) => ({ ...r, file: rs.ipv6!.file })));
  }
  return rs.frontend ? withConfigSources(rules, rs.frontend) : rules;
}

/** A traced verdict as the rule set's file says it, with its `file:line` where the file's rule is known. */
export async function nameVerdict(v: TraceVerdict, ruleset: Ruleset, listing: () => Promise<RulesetListing>): Promise<RuleHit> {
  const k = await knowRuleset(ruleset, listing);
  return ruleHitOf(v, { handles: k.handles, listing: k.listing, fileRules: k.rules, file: ruleset.file });
}
