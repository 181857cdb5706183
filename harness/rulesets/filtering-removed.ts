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

/** The quoted name nft's grammar takes for any table or chain name (iptables' `RH-Firewall-1-INPUT` among them). */
const quoted = (name: string) => `"${name.replaceAll('"', '')}"`;

/** nft commands that take the filtering out of the rule set `json` (a parsed `nft -j list ruleset`); empty when it has none. */
export function filteringRemoved(json: unknown): string {
  const items = (json as { nftables?: Array<{ chain?: ListedChain; rule?: ListedRule }> } | undefined)?.nftables ?? [];
  const lines: string[] = [];
  for (const { chain, rule } of items) {
    if (rule && rule.table !== OBSERVER_TABLE && (rule.expr ?? []).some(stops)) {
      lines.push(`delete rule ${rule.family} ${quoted(rule.table)} ${quoted(rule.chain)} handle ${rule.handle}`);
    }
    if (chain?.hook && chain.policy === 'drop') lines.push(`chain ${chain.family} ${quoted(chain.table)} ${quoted(chain.name)} { policy accept; }`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
