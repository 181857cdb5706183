/**
 * The rule set each node of a lab holds, so that a cell resets only what a cell can change. A
 * node that already holds the cell's rule set, one that keeps no state (ruleset-state.ts),
 * keeps it: only its connection tracking is flushed. Anything else is applied afresh. The
 * kernel's listing of an application is read once, when a cell first needs it.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import { readRulesetListing, type RulesetListing } from './ruleset-listing.ts';
import { backendFor, resetConntrack } from './firewall-backend.ts';
import { rulesetKey, type Ruleset } from './load-ruleset.ts';
import { keptState } from './ruleset-state.ts';
import { filteringRemoved } from './filtering-removed.ts';

export interface PreparedRuleset {
  /** The node's conntrack statistics with nothing in flight (parseExpectCounters). */
  stats: string;
  /** The rule set as the kernel holds it now. */
  listing: () => Promise<RulesetListing>;
}

export class AppliedRulesets {
  /** By node name: which rule set it holds, and that application's listing. */
  private readonly held = new Map<string, { key: string; listing: () => Promise<RulesetListing> }>();
  /** By rule set: whether it keeps no state, learnt from its first application. */
  private readonly stateless = new Map<string, boolean>();

  /** The listing of what `node` holds now, when known. */
  listingOf(node: string): (() => Promise<RulesetListing>) | undefined {
    return this.held.get(node)?.listing;
  }

  async prepare(node: NodeHandle, rs: Ruleset): Promise<PreparedRuleset> {
    const key = `${rulesetKey(rs)}${rs.filteringRemoved ? '\0filtering removed' : ''}`;
    const held = this.held.get(node.name);
    if (held?.key === key && this.stateless.get(key) === true) return { stats: await resetConntrack(node), listing: held.listing };
    // Until the apply is known to have worked, what the node holds is not known.
    this.held.delete(node.name);
    const stats = await backendFor(rs.format).apply(node, rs);
    let read: Promise<RulesetListing> | undefined;
    const listing = () => (read ??= readRulesetListing(node, rs.format, rs.ipv6 !== undefined));
    if (rs.filteringRemoved) {
      // Read before the change: the listing of the rule set as written names the cell's rules.
      const removal = filteringRemoved((await listing()).json);
      const r = removal ? await node.exec(['nft', '-j', '-f', '-'], { input: removal }) : undefined;
      if (r && r.code !== 0) throw new Error(`node ${node.name}: cannot take the filtering out of ${rs.file}: ${r.stderr.trim()}`);
    }
    this.held.set(node.name, { key, listing });
    if (!this.stateless.has(key)) this.stateless.set(key, keptState((await listing()).json) === undefined);
    return { stats, listing };
  }
}
