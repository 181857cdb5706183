/**
 * A rule set with its filtering taken out, as the kernel holds it: every rule whose verdict drops
 * or rejects is deleted and every base chain's policy made accept, while its NAT, its helpers,
 * its NOTRACK and everything else stay. The control experiment of a cell that failed with no
 * drop or reject traced (harness/cell/control-experiment.ts) runs it again so: if it then passes,
 * the filtering stopped it.
 *
 * Written against the kernel's listing (`nft -j list ruleset`), not the file, so it is the same
 * for nft files and iptables-nft ones (whose REJECT target nft's JSON shows as an `xt` target),
 * and the commands are nft's own: deleting a rule by handle keeps every other rule's place.
 * Pure: unit-tested on recorded listings.
 */
import { OBSERVER_TABLE } from './observer-ruleset.ts';

interface ListedChain {
  family: string;
  table: string;
  name: string;
  hook?: string;
  policy?: string;
}

interface ListedRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  expr?: Array<Record<string, unknown>>;
}

/** A statement that ends the packet's way: nft's drop and reject, iptables' DROP and REJECT targets. */
function stops(statement: Record<string, unknown>): boolean {
  if ('drop' in statement || 'reject' in statement) return true;
  const xt = statement.xt as { type?: string; name?: string } | undefined;
  return xt?.type === 'target' && (xt.name === 'REJECT' || xt.name === 'DROP');
}

/**
 * nft commands, in nft's JSON (`nft -j -f -`), that take the filtering out of the rule set `json`
 * (a parsed `nft -j list ruleset`); undefined when it has none. JSON because nft 1.0.6's text
 * grammar takes no quoted table or chain names, and iptables' may hold any character.
 */
export function filteringRemoved(json: unknown): string | undefined {
  const items = (json as { nftables?: Array<{ chain?: ListedChain & { handle?: number }; rule?: ListedRule }> } | undefined)?.nftables ?? [];
  const commands: object[] = [];
  for (const { chain, rule } of items) {
    if (rule && rule.table !== OBSERVER_TABLE && (rule.expr ?? []).some(stops)) {
      commands.push({ delete: { rule: { family: rule.family, table: rule.table, chain: rule.chain, handle: rule.handle } } });
    }
    if (chain?.hook && chain.policy === 'drop') {
      // Adding a base chain that exists, with its own type, hook and priority, changes its policy.
      const { handle: _handle, ...same } = chain;
      commands.push({ add: { chain: { ...same, policy: 'accept' } } });
    }
  }
  return commands.length === 0 ? undefined : JSON.stringify({ nftables: commands });
}
