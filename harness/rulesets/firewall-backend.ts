/**
 * Applying a rule set to the firewall node, and resetting it between cells. One backend per
 * format, picked by `backendFor`. Reset is the isolation boundary between cells: rules flushed,
 * connection tracking flushed (entries and expectations), then the rule set applied afresh.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import { OBSERVER_RULESET } from '../nodes/drop-observer.ts';
import { RESTORE_COMMAND, type Ruleset, type RulesetFormat } from './load-ruleset.ts';

export interface FirewallBackend {
  readonly format: RulesetFormat;
  /**
   * Flushes rules and conntrack in the node, then applies the rule set plus the drop observer.
   * Resolves to the node's conntrack statistics (/proc/net/stat/nf_conntrack) read in the same
   * process start, between the flush and the new rules: a cell's expectation counts are the
   * difference from them.
   */
  apply(node: NodeHandle, rs: Ruleset): Promise<string>;
}

async function execOrThrow(node: NodeHandle, argv: string[], input?: string): Promise<string> {
  const r = await node.exec(argv, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in node ${node.name} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/**
 * Conntrack flushed (entries and expectations), then `nft -f -` reads standard input: one
 * process start in the node per reset, which matters where each exec is an Engine API call.
 * The script is a constant; nothing from the rule set is ever part of it.
 */
const RESET_THEN_NFT = [
  'sh',
  '-c',
  'set -e; conntrack -F >/dev/null 2>&1 || conntrack -F; conntrack -F expect >/dev/null 2>&1 || conntrack -F expect; cat /proc/net/stat/nf_conntrack; exec nft -f -',
];

/**
 * The node's rule set as the kernel holds it now, with counters. iptables-nft rules live in
 * nftables too, so one listing shows either format.
 */
export async function snapshotRuleset(node: NodeHandle): Promise<string> {
  return (await node.exec(['nft', 'list', 'ruleset'])).stdout;
}

export class NftBackend implements FirewallBackend {
  readonly format = 'nft' as const;

  async apply(node: NodeHandle, rs: Ruleset): Promise<string> {
    // One atomic nft transaction: old rules out, the user's rules and the observer in.
    return execOrThrow(node, RESET_THEN_NFT, `flush ruleset\n${rs.text}\n${OBSERVER_RULESET}`);
  }
}

/** iptables-save or ip6tables-save text, restored into nftables by the family's own tool. */
export class IptablesBackend implements FirewallBackend {
  constructor(readonly format: keyof typeof RESTORE_COMMAND) {}

  async apply(node: NodeHandle, rs: Ruleset): Promise<string> {
    const stats = await execOrThrow(node, RESET_THEN_NFT, `flush ruleset\n${OBSERVER_RULESET}`);
    await execOrThrow(node, [RESTORE_COMMAND[this.format]], rs.text);
    return stats;
  }
}

const BACKENDS: Record<RulesetFormat, FirewallBackend> = {
  nft: new NftBackend(),
  iptables: new IptablesBackend('iptables'),
  ip6tables: new IptablesBackend('ip6tables'),
};

export function backendFor(format: RulesetFormat): FirewallBackend {
  return BACKENDS[format];
}
