/**
 * What a node's kernel holds of a rule set once applied, read in the rule set's own formats, and
 * the node's expectation counters: what a lab reads when it applies a rule set, and what the
 * evidence of a cell (harness/evidence/firewall-state.ts) builds on.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import type { RulesetFormat } from './load-ruleset.ts';

/**
 * Expectation counters of the node's network namespace (/proc/net/stat/nf_conntrack, summed
 * over CPUs): `created` counts expectations a helper registered, `matched` connections that
 * arrived as one of them (RELATED). Never reset, so a cell reads the difference.
 */
export interface ExpectCounters {
  created: number;
  matched: number;
}

/** Sums the expect_create and expect_new columns of every CPU's line (hexadecimal). */
export function parseExpectCounters(text: string): ExpectCounters {
  const lines = text.split('\n').filter((l) => l.trim());
  const header = lines.findIndex((l) => /\bexpect_create\b/.test(l));
  if (header < 0) return { created: 0, matched: 0 };
  const names = lines[header]!.trim().split(/\s+/);
  const col = (name: string) => names.indexOf(name);
  const sum = (i: number) => lines.slice(header + 1).reduce((n, l) => n + (Number.parseInt(l.trim().split(/\s+/)[i] ?? '0', 16) || 0), 0);
  return { created: sum(col('expect_create')), matched: sum(col('expect_new')) };
}

/**
 * The rule set as the kernel holds it: the same for every cell of one application (a rule set
 * that keeps state is applied afresh for every cell, harness/rulesets/ruleset-state.ts), so a
 * lab reads it once per application, when a cell first needs it.
 */
export interface RulesetListing {
  /** `nft -a list ruleset`. */
  ruleset: string;
  /** `nft -j list ruleset`, parsed; undefined when it was not JSON. */
  json: unknown;
  /** iptables-save -c (or ip6tables, or both for a pair) for iptables rule sets. */
  saved: string | undefined;
}

/** What `cmd` printed, whatever its exit status: a tool with nothing to list may exit non-zero. */
export async function commandOutput(node: NodeHandle, argv: string[]): Promise<string> {
  return (await node.exec(argv)).stdout;
}

/** The listings in the rule set's own formats; programs of the node's run at once (through its agent). */
export async function readRulesetListing(node: NodeHandle, format: RulesetFormat, withIpv6 = false): Promise<RulesetListing> {
  const [ruleset, jsonText, saved, saved6] = await Promise.all([
    commandOutput(node, ['nft', '-a', 'list', 'ruleset']),
    commandOutput(node, ['nft', '-j', 'list', 'ruleset']),
    format === 'nft' ? undefined : commandOutput(node, [`${format}-save`, '-c']),
    withIpv6 ? commandOutput(node, ['ip6tables-save', '-c']) : undefined,
  ]);
  let json: unknown = undefined;
  try {
    json = JSON.parse(jsonText);
  } catch {
    json = undefined;
  }
  return { ruleset, json, saved: saved6 === undefined ? saved : `${saved ?? ''}${saved6}` };
}
