/**
 * What the firewall's kernel knew when a cell ended: its connection-tracking entries (with the
 * helper each one carries), the expectations still waiting, how many expectations were created
 * and used during the cell, and the rule set with its counters. This is the evidence that tells
 * "no helper" from "helper but no expectation" from "expected, yet dropped".
 */
import type { NodeHandle } from '../drivers/driver.ts';
import { commandOutput, parseExpectCounters, type ExpectCounters, type RulesetListing } from '../rulesets/ruleset-listing.ts';
import { nftStructure, type NftStructure } from './nft-structure.ts';

export interface ConntrackTuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

export interface ConntrackEntry {
  proto: string;
  /** The direction the first packet took, as it arrived (before NAT). */
  orig: ConntrackTuple;
  /** The answer's direction as the kernel expects it (after NAT): `reply.dst` is what the far end sees as its peer. */
  reply: ConntrackTuple;
  /** The conntrack helper attached to the connection (`helper=ftp`), if any. */
  helper: string | undefined;
  line: string;
}

export interface FirewallState {
  entries: ConntrackEntry[];
  /** `conntrack -L expect` lines: expectations not yet used or expired. */
  expectations: string[];
  counters: ExpectCounters;
  /** `nft -a list ruleset`: the rule set as the kernel holds it, counters and rule handles included. */
  ruleset: string;
  /** `nft -j list ruleset`, read once: the rule set's structure for diagnosis and advice. */
  structure: NftStructure;
  /** `iptables-save -c` (or ip6tables) for iptables rule sets: the user's own format with packet counters. */
  saved: string | undefined;
  /** The raw text of every section, for the evidence files. */
  raw: Record<string, string>;
}

export function parseConntrackLine(line: string): ConntrackEntry | undefined {
  const proto = /^\s*(\w+)\s+\d+\s/.exec(line)?.[1];
  if (!proto) return undefined;
  const all = (key: string) => [...line.matchAll(new RegExp(`\\b${key}=(\\S+)`, 'g'))].map((m) => m[1]!);
  const [src, dst, sport, dport] = [all('src'), all('dst'), all('sport'), all('dport')];
  if (src.length < 2 || dst.length < 2 || sport.length < 2 || dport.length < 2) return undefined;
  const tuple = (i: number): ConntrackTuple => ({ src: src[i]!, dst: dst[i]!, sport: Number(sport[i]), dport: Number(dport[i]) });
  return { proto, orig: tuple(0), reply: tuple(1), helper: /\bhelper=(\S+)/.exec(line)?.[1], line: line.trim() };
}

/** The connection tracking of this cell, read now, with the rule set's listing. */
export async function readFirewallState(node: NodeHandle, listing: Promise<RulesetListing> | RulesetListing): Promise<FirewallState> {
  const [conntrack, expect, counters, l] = await Promise.all([
    commandOutput(node, ['conntrack', '-L']),
    commandOutput(node, ['conntrack', '-L', 'expect']),
    node.readFile('/proc/net/stat/nf_conntrack'),
    listing,
  ]);
  return {
    entries: conntrack.split('\n').flatMap((line) => parseConntrackLine(line) ?? []),
    expectations: expect.split('\n').filter((line) => line.includes('proto=')),
    counters: parseExpectCounters(counters),
    ruleset: l.ruleset,
    structure: nftStructure(l.json),
    saved: l.saved,
    raw: { conntrack, expect, counters, ruleset: l.ruleset, ...(l.saved === undefined ? {} : { saved: l.saved }) },
  };
}
