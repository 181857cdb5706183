/**
 * Applying a rule set to the firewall node, and resetting it between cells. One backend per
 * format, picked by `backendFor`. Reset is the isolation boundary between cells: rules flushed,
 * connection tracking flushed (entries and expectations), then the rule set applied afresh.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import { OBSERVER_RULESET } from './observer-ruleset.ts';
import { RESTORE_COMMAND, type Ruleset, type RulesetFormat } from './load-ruleset.ts';

export interface FirewallBackend {
  readonly format: RulesetFormat;
  /**
   * Flushes rules and conntrack in the node and applies the rule set plus the drop observer.
   * Resolves to the node's conntrack statistics (/proc/net/stat/nf_conntrack) read while no
   * packet crosses it: a cell's expectation counts are the difference from them.
   */
  apply(node: NodeHandle, rs: Ruleset): Promise<string>;
}


async function execOrThrow(node: NodeHandle, argv: string[], input?: string): Promise<string> {
  const r = await node.exec(argv, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in node ${node.name} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/**
 * Empties the node's connection tracking and reads its conntrack statistics, at once: part of
 * every apply, and all of a reset between cells of one rule set that keeps no state
 * (harness/rulesets/ruleset-state.ts), whose rules stay as they are. One flush
 * empties the expectations too: every expectation has a master connection, and deleting a
 * connection destroys its pending expectations (nf_conntrack_core.c, clean_from_lists).
 * A flush racing an entry that expires on its own can fail once; the second try says why.
 */
export async function resetConntrack(node: NodeHandle): Promise<string> {
  const [stats] = await Promise.all([
    node.readFile('/proc/net/stat/nf_conntrack'),
    (async () => {
      if ((await node.exec(['conntrack', '-F'])).code !== 0) await execOrThrow(node, ['conntrack', '-F']);
    })(),
  ]);
  return stats;
}

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
    // No packet crosses the node between cells, so the flush and the new rules need no order.
    // One atomic nft transaction: old rules out, the user's rules and the observer in.
    const [stats] = await Promise.all([resetConntrack(node), execOrThrow(node, ['nft', '-f', '-'], `flush ruleset\n${rs.text}\n${OBSERVER_RULESET}`)]);
    return stats;
  }
}

/** iptables-save or ip6tables-save text (or a pair of both), restored into nftables by the family's own tool. */
export class IptablesBackend implements FirewallBackend {
  constructor(readonly format: keyof typeof RESTORE_COMMAND) {}

  async apply(node: NodeHandle, rs: Ruleset): Promise<string> {
    const [stats] = await Promise.all([
      resetConntrack(node),
      (async () => {
        await execOrThrow(node, ['nft', '-f', '-'], `flush ruleset\n${OBSERVER_RULESET}`);
        await execOrThrow(node, [RESTORE_COMMAND[this.format]], rs.text);
        if (rs.ipv6) await execOrThrow(node, [RESTORE_COMMAND.ip6tables], rs.ipv6.text);
      })(),
    ]);
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
