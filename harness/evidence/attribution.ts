/**
 * Which rule let each of a cell's connections through, or dropped it, from the kernel's own
 * trace of the node that carries the rule set (`nft monitor trace`: iptables-nft rule sets are
 * traced too), never from reading the file: for the first packet (the SYN) of the control
 * connection and of every data connection, the chains it crossed and the verdict that decided
 * it, told back as the rule the user wrote and its `file:line` (harness/rulesets/rule-lines.ts).
 *
 * The SYN's connection-tracking state is not in nft's trace (nftables 1.0.6); it comes from the
 * node's expectation counters: a data connection that arrived as the helper expected it is
 * RELATED (`expect_new` moved by one per such connection), otherwise NEW. The helper is the one
 * the control SYN's own trace shows being attached (`ct helper set`, or iptables' CT target).
 *
 * What it cannot see: a rule that matched without deciding (`continue`, a `jump` whose chain
 * returned) is listed in the path but is not the decision; packets after the first of each
 * connection are not traced (only SYNs are marked). Pure: unit-tested on recorded traces.
 */
import { basename } from 'node:path';
import type { CellAttribution, ConnectionAttribution, RuleHit } from '../cell-contract.ts';
import type { Ladder } from './ladder.ts';
import type { PacketSummary, PacketTrace, TraceVerdict } from '../nodes/drop-observer.ts';
import { OBSERVER_TABLE } from '../rulesets/observer-ruleset.ts';
import { chainKey, fileRuleOf, type RulesByChain } from '../rulesets/rule-lines.ts';
import { endpoint } from '../topology/dual-stack.ts';
import type { ExpectCounters } from '../rulesets/ruleset-listing.ts';
import { ruleText } from './nft-structure.ts';

/** What the attribution reads, all recorded in the cell's window and the node's state. */
export interface AttributionInput {
  node: string;
  traces: readonly PacketTrace[];
  /** The cell's jobs: where each dialled, and the data endpoints it learnt. */
  jobs: ReadonlyArray<{ host: string; port: number; endpoints: ReadonlyArray<{ host: string; port: number }>; active: boolean }>;
  /** `nft -a list ruleset`, as applied for this cell. */
  listing: string;
  /** Chains of type nat (`inet nat postrouting`): they see a connection's first packet too, but never decide whether it passes. */
  natChains: ReadonlySet<string>;
  /** The chains' rule handles in the kernel's order (chainHandles). */
  handles: ReadonlyMap<string, readonly number[]>;
  /** The rule set file's rules by chain, and its name for `at`. */
  fileRules: RulesByChain;
  file: string;
  /** Expectation counters when the cell began and when it ended. */
  before: ExpectCounters;
  after: ExpectCounters;
  /** The cell's own drops on this node of packets after a SYN, with their rules as written. */
  laterDrops?: ReadonlyArray<{ packet: PacketSummary; hit: RuleHit }>;
}

/** `inet filter forward` -> its family, table and chain. */
function splitChain(chain: string): { family: string; table: string; chain: string } {
  const [family = '', table = '', name = ''] = chain.split(' ');
  return { family, table, chain: name };
}

/** A traced verdict told as the user wrote it: the file's rule and its `file:line` where they are known. */
export function ruleHitOf(v: TraceVerdict, i: Pick<AttributionInput, 'handles' | 'listing' | 'fileRules' | 'file'>): RuleHit {
  if (v.policy) return { chain: v.chain, rule: `policy ${v.verdict}`, verdict: v.verdict };
  const c = splitChain(v.chain);
  const key = chainKey(c.family, c.table, c.chain);
  const handles = i.handles.get(key) ?? [];
  // The monitor names a rule by text when it knew it at its start, else by handle.
  // By text, only a rule the chain holds once can be told apart.
  // iptables-nft gives every rule a counter, whose figures differ between the trace's text and a
  // listing read at another moment: they are no part of the rule.
  const uncounted = (t: string | null | undefined) => t?.replace(/\bcounter packets \d+ bytes \d+/g, 'counter');
  const byText = v.handle === undefined ? handles.filter((h) => uncounted(ruleText(i.listing, { family: c.family, table: c.table, handle: h })) === uncounted(v.rule)) : [];
  const handle = v.handle ?? (byText.length === 1 ? byText[0] : undefined);
  const kernel = handle === undefined ? v.rule : ruleText(i.listing, { family: c.family, table: c.table, handle });
  const placed = handle === undefined ? undefined : fileRuleOf(i.fileRules, key, handles, handle);
  // A last check that the file's rule is the kernel's: the same verdict, where both say one.
  const own = placed && kernel && !sameVerdict(placed.text, kernel) ? undefined : placed;
  return {
    chain: v.chain,
    rule: own?.text ?? kernel ?? `rule handle ${handle ?? '?'}`,
    ...(own ? { at: `${basename(own.file ?? i.file)}:${own.line}` } : {}),
    ...(own?.source ? { source: own.source } : {}),
    verdict: v.verdict,
  };
}

const TERMINAL = new Set(['accept', 'drop', 'reject', 'queue']);

/** The verdict word a rule ends in (nft's words, or iptables' `-j` target lower-cased). */
function verdictWord(rule: string): string | undefined {
  // ferm writes the long options (`--jump ACCEPT`), iptables-save the short ones.
  const jump = /(?:^|\s)(?:-j|--jump|-g|--goto) (\S+)/.exec(rule);
  if (jump) return jump[1]!.toLowerCase();
  const words = rule.match(/\b(accept|drop|reject|return|jump|goto|queue|masquerade|snat|dnat|redirect|continue)\b/g);
  return words?.[words.length - 1];
}

/** False only when both name a verdict and they differ. */
function sameVerdict(a: string, b: string): boolean {
  const [x, y] = [verdictWord(a), verdictWord(b)];
  return x === undefined || y === undefined || x === y;
}

/** The attribution of one traced SYN. */
function attributeTrace(t: PacketTrace, connection: 'control' | 'data', i: AttributionInput): Omit<ConnectionAttribution, 'state'> {
  const own = t.verdicts.filter((v) => splitChain(v.chain).table !== OBSERVER_TABLE);
  const path = own.filter((v) => v.policy || v.verdict !== 'continue' || v.rule !== null || v.handle !== undefined).map((v) => ruleHitOf(v, i));
  // A drop ends the packet where it happens; otherwise the filter chains decided it, not the
  // NAT chains it also crossed (a masquerade rule's `accept` lets nothing through).
  const decided =
    own.find((v) => v.verdict === 'drop' || v.verdict === 'reject') ??
    [...own].reverse().find((v) => TERMINAL.has(v.verdict) && !i.natChains.has(v.chain)) ??
    [...own].reverse().find((v) => TERMINAL.has(v.verdict));
  const helperRule = path.find((h) => /\bct helper set\b|-j CT --helper\b|\bCT helper\b/.test(h.rule));
  const helperName = helperRule && /ct helper set "?([^"\s]+)"?|--helper (\S+)/.exec(helperRule.rule);
  const helper = helperName ? (helperName[1] ?? helperName[2]) : undefined;
  // Only the observer's own chain saw it: which of its chains says which hook the packet took.
  const hook = own.length === 0 ? (t.verdicts.some((v) => v.chain.endsWith(' trace_own_tcp')) ? 'output' : 'prerouting') : undefined;
  return {
    connection,
    packet: `${endpoint(t.packet.saddr, t.packet.sport)} -> ${endpoint(t.packet.daddr, t.packet.dport)}`,
    decidedBy: decided ? ruleHitOf(decided, i) : null,
    path,
    ...(hook && t.verdicts.length > 0 ? { unfiltered: hook } : {}),
    ...(helper ? { helper } : {}),
  };
}

export function attributeCell(i: AttributionInput): CellAttribution {
  const connections: ConnectionAttribution[] = [];
  const used = new Set<PacketTrace>();
  const take = (pick: (t: PacketTrace) => boolean) => i.traces.filter((t) => !used.has(t) && pick(t)).map((t) => (used.add(t), t));
  const data: PacketTrace[] = [];
  let helper: string | undefined;
  // The SYN-ACK answering `t`: the same ports the other way round (NAT keeps ports where it can).
  const replyTo = (t: PacketTrace) => {
    const [reply] = take((r) => r.packet.sport === t.packet.dport && r.packet.dport === t.packet.sport);
    if (!reply) return {};
    const { decidedBy, path } = attributeTrace(reply, 'control', i);
    return { reply: { decidedBy, path } };
  };
  for (const job of i.jobs) {
    for (const t of take((t) => t.packet.daddr === job.host && t.packet.dport === job.port)) {
      const a = attributeTrace(t, 'control', i);
      helper ??= a.helper;
      // The control connection's first packet is always NEW.
      connections.push({ ...a, state: 'new', ...replyTo(t) });
    }
    // Active data: the server dials the announced port (NAT may rewrite the address); passive: the client dials the named endpoint.
    data.push(...take((t) => job.endpoints.some((e) => t.packet.dport === e.port && (job.active || t.packet.daddr === e.host))));
  }
  const related = i.after.matched - i.before.matched;
  // Each data connection that arrived as an expectation counts once: all of them, or none, can be told apart.
  const state = related === 0 ? 'new' : related >= data.length ? 'related' : null;
  for (const t of data) {
    const a = attributeTrace(t, 'data', i);
    connections.push({ ...a, state, ...(state === 'related' && helper ? { helper } : {}), ...replyTo(t) });
  }
  return { node: i.node, file: i.file, connections: connections.map((c) => withLaterDrop(c, i.laterDrops ?? [])) };
}

/** The first later packet of `c` (either way round: NAT may have changed one address) that a rule dropped. */
function withLaterDrop(c: ConnectionAttribution, drops: NonNullable<AttributionInput['laterDrops']>): ConnectionAttribution {
  const [from, to] = c.packet.split(' -> ');
  const d = drops.find(({ packet: p }) => {
    const [src, dst] = [endpoint(p.saddr, p.sport), endpoint(p.daddr, p.dport)];
    return (src === from && dst === to) || (src === to && p.dport === Number(from!.slice(from!.lastIndexOf(':') + 1)));
  });
  return d ? { ...c, dropped: { packet: `${d.packet.flags.toUpperCase()} ${endpoint(d.packet.saddr, d.packet.sport)} -> ${endpoint(d.packet.daddr, d.packet.dport)}`, decidedBy: d.hit } } : c;
}

/**
 * Where a rule is, for people: ` at fw.nft:12`, and for a rendered rule set the configuration
 * element it comes from (` at edge.iptables:40, from rules:3: FTP(ACCEPT) lan wan`).
 */
export function placeOf(h: Pick<RuleHit, 'at' | 'source'>): string {
  return `${h.at ? ` at ${h.at}` : ''}${h.source ? `, from ${h.source}` : ''}`;
}

/** The words for one connection, as the matrix and JUnit say them. */
export function describeConnection(c: ConnectionAttribution): string {
  const how = c.decidedBy?.verdict === 'drop' || c.decidedBy?.verdict === 'reject' ? 'dropped' : 'accepted';
  const as = c.state === 'related' ? ` as RELATED (expectation of helper ${c.helper ?? 'unknown'} on the control connection)` : c.state === 'new' ? ' as NEW' : '';
  if (!c.decidedBy && c.unfiltered) return `${c.connection} connection passed${as} unfiltered: no chain of the rule set is on its path (the ${c.unfiltered} hook)${c.reply?.decidedBy ? describeReply(c.reply.decidedBy) : ''}`;
  const by = c.decidedBy ? (c.decidedBy.rule.startsWith('policy ') ? ` by ${c.decidedBy.chain} ${c.decidedBy.rule}` : ` by rule "${c.decidedBy.rule}"${c.decidedBy.at ? placeOf(c.decidedBy) : ` in ${c.decidedBy.chain}${placeOf({ source: c.decidedBy.source })}`}`) : ' (no verdict traced)';
  const attached = c.connection === 'control' && c.helper ? `, helper ${c.helper} attached` : '';
  const later = c.dropped ? `; then its ${c.dropped.packet} ${c.dropped.decidedBy.verdict === 'accept' ? 'accepted' : 'dropped'} by ${c.dropped.decidedBy.rule.startsWith('policy ') ? `${c.dropped.decidedBy.chain} ${c.dropped.decidedBy.rule}` : `rule "${c.dropped.decidedBy.rule}"${placeOf(c.dropped.decidedBy)}`}` : '';
  return `${c.connection} connection ${how}${as}${by}${attached}${c.reply?.decidedBy ? describeReply(c.reply.decidedBy) : ''}${later}`;
}

function describeReply(back: RuleHit): string {
  return back.rule.startsWith('policy ') ? `; its reply by ${back.chain} ${back.rule}` : `; its reply by rule "${back.rule}"${placeOf(back)}`;
}

/** A verdict in a few words, for the ladder: `accept: "ct state established accept" (fw.nft:15)`. */
function shortHit(h: RuleHit): string {
  return h.rule.startsWith('policy ') ? `${h.verdict}: ${h.chain} ${h.rule}` : `${h.verdict}: "${h.rule}"${h.at ? ` (${h.at}${h.source ? `, from ${h.source}` : ''})` : ''}`;
}

/**
 * The ladder with each connection's SYN and SYN-ACK labelled by the rule that decided it, where
 * the capture and the trace name the same endpoints (NAT can make a reply's differ: it is then
 * left unlabelled).
 */
export function annotateLadder(ladder: Ladder, attribution: CellAttribution | undefined): Ladder {
  if (!attribution) return ladder;
  const rules = new Map<string, string>();
  for (const c of attribution.connections) {
    if (c.decidedBy) rules.set(`SYN ${c.packet}`, shortHit(c.decidedBy));
    else if (c.unfiltered) rules.set(`SYN ${c.packet}`, `unfiltered: no chain of the rule set on the ${c.unfiltered} hook`);
    const [from, to] = c.packet.split(' -> ');
    if (c.reply?.decidedBy) rules.set(`SYN-ACK ${to} -> ${from}`, shortHit(c.reply.decidedBy));
  }
  // A later packet a rule dropped: the packets of its direction that died at the firewall.
  const died = new Map<string, string>();
  for (const c of attribution.connections) if (c.dropped) died.set(c.dropped.packet.slice(c.dropped.packet.indexOf(' ') + 1), shortHit(c.dropped.decidedBy));
  const packets = ladder.packets.map((p) => {
    const rule = rules.get(`${p.label} ${p.src} -> ${p.dst}`) ?? (p.fate === 'died' ? died.get(`${p.src} -> ${p.dst}`) : undefined);
    return rule === undefined ? p : { ...p, rule };
  });
  return { ...ladder, packets };
}

/** `inet filter forward` -> rule handles in order, from `nft -j list ruleset`. */
export function chainHandles(json: unknown): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const items = (json as { nftables?: Array<{ rule?: { family: string; table: string; chain: string; handle: number } }> } | undefined)?.nftables ?? [];
  for (const item of items) {
    const r = item.rule;
    if (!r) continue;
    const key = chainKey(r.family, r.table, r.chain);
    out.set(key, [...(out.get(key) ?? []), r.handle]);
  }
  return out;
}
