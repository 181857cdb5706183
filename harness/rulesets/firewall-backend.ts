/**
 * Applying a rule set to the firewall node, and resetting it between cells. One backend per
 * format, picked by `backendFor`. Reset is the isolation boundary between cells: rules flushed,
 * connection tracking flushed (entries and expectations), then the rule set applied afresh.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import { OBSERVER_RULESET } from '../nodes/drop-observer.ts';
import type { Ruleset, RulesetFormat } from './load-ruleset.ts';

export interface FirewallBackend {
  readonly format: RulesetFormat;
  /** Flushes rules and conntrack in the node, then applies the rule set plus the drop observer. */
  apply(node: NodeHandle, rs: Ruleset): Promise<void>;
}

async function execOrThrow(node: NodeHandle, argv: string[], input?: string): Promise<void> {
  const r = await node.exec(argv, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in node ${node.name} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
}

/** Flushing the conntrack table also removes the expectations that hang off its entries. */
async function flushConntrack(node: NodeHandle): Promise<void> {
  await execOrThrow(node, ['conntrack', '-F']);
  await execOrThrow(node, ['conntrack', '-F', 'expect']);
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

  async apply(node: NodeHandle, rs: Ruleset): Promise<void> {
    await flushConntrack(node);
    // One atomic nft transaction: old rules out, the user's rules and the observer in.
    await execOrThrow(node, ['nft', '-f', '-'], `flush ruleset\n${rs.text}\n${OBSERVER_RULESET}`);
  }
}

export class IptablesBackend implements FirewallBackend {
  readonly format = 'iptables' as const;

  async apply(node: NodeHandle, rs: Ruleset): Promise<void> {
    await flushConntrack(node);
    await execOrThrow(node, ['nft', '-f', '-'], `flush ruleset\n${OBSERVER_RULESET}`);
    await execOrThrow(node, ['iptables-nft-restore'], rs.text);
  }
}

const BACKENDS: Record<RulesetFormat, FirewallBackend> = { nft: new NftBackend(), iptables: new IptablesBackend() };

export function backendFor(format: RulesetFormat): FirewallBackend {
  return BACKENDS[format];
}
