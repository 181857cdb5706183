/**
 * Where each rule of a rule set file is, by chain, in the order the kernel will hold them: the
 * k-th rule the kernel lists in a chain is the k-th rule the file gives that chain. That is how
 * a rule the kernel's trace names (by handle) is told back to the user as `file:line` and as the
 * line they wrote. nft's own parser keeps no line numbers in what it loads, so the file is read
 * here; only the shapes a rule set file is made of are needed:
 *
 * - nft: `table FAMILY NAME {` blocks with `chain NAME {` blocks, one rule per line (`type ...;`
 *   and `policy ...;` lines are the chain's header), `add rule FAMILY TABLE CHAIN ...` lines
 *   appended in order. `insert rule` puts a rule first, and other statement shapes
 *   (`include`, one-line chains) are not followed: a chain read here differently from what the
 *   kernel holds (another count of rules) is given no lines (rulesLineOf says unknown), never
 *   wrong ones.
 * - iptables-save: `*TABLE` sections, `-A CHAIN ...` lines in order (iptables-nft loads them
 *   into `ip TABLE` / `ip6 TABLE`, chain CHAIN, in that order).
 */
import type { RulesetFormat } from './load-ruleset.ts';

export interface FileRule {
  /** 1-based line in the file. */
  line: number;
  /** The rule as written, trimmed, without a trailing comment. */
  text: string;
}

/** `inet filter forward` -> its rules in order. */
export type RulesByChain = Map<string, FileRule[]>;

export const chainKey = (family: string, table: string, chain: string) => `${family} ${table} ${chain}`;

const stripComment = (line: string) => line.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim();

export function fileRules(text: string, format: RulesetFormat): RulesByChain {
  return format === 'nft' ? nftFileRules(text) : iptablesFileRules(text, format === 'ip6tables' ? 'ip6' : 'ip');
}

function push(map: RulesByChain, key: string, rule: FileRule, first = false): void {
  const list = map.get(key) ?? [];
  if (first) list.unshift(rule);
  else list.push(rule);
  map.set(key, list);
}

function nftFileRules(text: string): RulesByChain {
  const rules: RulesByChain = new Map();
  let table: { family: string; name: string } | undefined;
  let chain: string | undefined;
  // Depth of braces that are neither a table nor a chain (ct helper, set, map, flowtable blocks).
  let other = 0;
  text.split('\n').forEach((raw, i) => {
    const line = stripComment(raw);
    if (!line) return;
    const add = /^(add|insert) rule (?:(ip|ip6|inet|arp|bridge|netdev) )?(\S+) (\S+) (.+)$/.exec(line);
    if (add && !table) {
      push(rules, chainKey(add[2] ?? 'ip', add[3]!, add[4]!), { line: i + 1, text: add[5]!.trim() }, add[1] === 'insert');
      return;
    }
    const tableHead = /^table (?:(ip|ip6|inet|arp|bridge|netdev) )?(\S+) \{$/.exec(line);
    if (tableHead && !table) {
      table = { family: tableHead[1] ?? 'ip', name: tableHead[2]! };
      return;
    }
    const chainHead = /^chain (\S+) \{$/.exec(line);
    if (chainHead && table && !chain && other === 0) {
      chain = chainHead[1]!;
      return;
    }
    if (line === '}') {
      if (other > 0) other--;
      else if (chain) chain = undefined;
      else table = undefined;
      return;
    }
    if (line.endsWith('{')) {
      other++;
      return;
    }
    if (other > 0 || !table || !chain) return;
    // The chain's header: its type, hook and priority, and its policy.
    if (/^(type|policy|comment|devices?)\s/.test(line)) return;
    push(rules, chainKey(table.family, table.name, chain), { line: i + 1, text: line.replace(/;$/, '').trim() });
  });
  return rules;
}

function iptablesFileRules(text: string, family: 'ip' | 'ip6'): RulesByChain {
  const rules: RulesByChain = new Map();
  let table: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const head = /^\*(\S+)$/.exec(line);
    if (head) table = head[1];
    const rule = /^(?:\[\d+:\d+\]\s+)?-A (\S+) (.*)$/.exec(line);
    if (rule && table) push(rules, chainKey(family, table, rule[1]!), { line: i + 1, text: line.replace(/^\[\d+:\d+\]\s+/, '') });
  });
  return rules;
}

/**
 * The file's rule for the kernel's `handle` in a chain, given the handles the kernel lists in
 * that chain in order; undefined when the file and the kernel disagree on the chain's length.
 */
export function fileRuleOf(rules: RulesByChain, key: string, handlesInOrder: readonly number[], handle: number): FileRule | undefined {
  const inFile = rules.get(key);
  if (!inFile || inFile.length !== handlesInOrder.length) return undefined;
  const k = handlesInOrder.indexOf(handle);
  return k < 0 ? undefined : inFile[k];
}
