/**
 * What the firewall's kernel knew when a cell ended: its connection-tracking entries (with the
 * helper each one carries), the expectations still waiting, how many expectations were created
 * and used during the cell, and the rule set with its counters. This is the evidence that tells
 * "no helper" from "helper but no expectation" from "expected, yet dropped".
 */
import type { NodeHandle } from '../drivers/driver.ts';
import type { RulesetFormat } from '../rulesets/load-ruleset.ts';
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

/**
 * Expectation counters of the node's network namespace (/proc/net/stat/nf_conntrack, summed
 * over CPUs): `created` counts expectations a helper registered, `matched` connections that
 * arrived as one of them (RELATED). Never reset, so a cell reads the difference.
 */
export interface ExpectCounters {
  created: number;
  matched: number;
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
  /** iptables-save -c (or ip6tables) for iptables rule sets. */
  saved: string | undefined;
}

/** What `cmd` printed, whatever its exit status: a tool with nothing to list may exit non-zero. */
async function output(node: NodeHandle, argv: string[]): Promise<string> {
  return (await node.exec(argv)).stdout;
}

/** The listings in the rule set's own formats; programs of the node's run at once (through its agent). */
export async function readRulesetListing(node: NodeHandle, format: RulesetFormat): Promise<RulesetListing> {
  const [ruleset, jsonText, saved] = await Promise.all([
    output(node, ['nft', '-a', 'list', 'ruleset']),
    output(node, ['nft', '-j', 'list', 'ruleset']),
    format === 'nft' ? undefined : output(node, [`${format}-save`, '-c']),
  ]);
  let json: unknown = undefined;
  try {
    json = JSON.parse(jsonText);
  } catch {
    json = undefined;
  }
  return { ruleset, json, saved };
}

/** The connection tracking of this cell, read now, with the rule set's listing. */
export async function readFirewallState(node: NodeHandle, listing: Promise<RulesetListing> | RulesetListing): Promise<FirewallState> {
  const [conntrack, expect, counters, l] = await Promise.all([
    output(node, ['conntrack', '-L']),
    output(node, ['conntrack', '-L', 'expect']),
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
