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
  /** The file it is in, when not the rule set's own: the IPv6 half of a pair. */
  file?: string;
  /**
   * Where a frontend's configuration says the rule comes from (`zones/public.xml: zone public`,
   * `rules:3: FTP(ACCEPT) lan wan`), for a rendered rule set (harness/frontends/config-sources.ts).
   */
  source?: string;
}

/** `inet filter forward` -> its rules in order. */
export type RulesByChain = Map<string, FileRule[]>;

export const chainKey = (family: string, table: string, chain: string) => `${family} ${table} ${chain}`;

export function fileRules(text: string, format: RulesetFormat): RulesByChain {
  return format === 'nft' ? nftFileRules(text) : iptablesFileRules(text, format === 'ip6tables' ? 'ip6' : 'ip');
}

function push(map: RulesByChain, key: string, rule: FileRule, first = false): void {
  const list = map.get(key) ?? [];
  if (first) list.unshift(rule);
  else list.push(rule);
  map.set(key, list);
}

/** The line without its comment, and its braces counted, quoted strings left out of both. */
function scan(line: string): { code: string; open: number; close: number } {
  let code = '';
  let quoted = false;
  let open = 0;
  let close = 0;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '#') break;
    else if (!quoted && ch === '{') open++;
    else if (!quoted && ch === '}') close++;
    code += ch;
  }
  return { code: code.trim(), open, close };
}

/** `add rule` forms that do not simply append, and commands that change a chain afterwards. */
const REORDERS = /^(?:(?:add|insert) rule .*\b(?:index|position|handle) \d+|replace rule|delete rule|flush (?:chain|table))\b/;

function nftFileRules(text: string): RulesByChain {
  const rules: RulesByChain = new Map();
  // Chains whose rules cannot be told in the kernel's order: they get no lines (rulesLineOf).
  const unknown = new Set<string>();
  let everything = false;
  let table: { family: string; name: string } | undefined;
  let chain: string | undefined;
  // Depth of braces that are neither a table nor a chain (ct helper, set, map, flowtable blocks).
  let other = 0;
  // A rule whose braces (an anonymous set, a vmap) or `\` continue on the next lines.
  let pending: { line: number; text: string; depth: number; continued: boolean } | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const { code: line, open, close } = scan(raw);
    if (pending) {
      pending.text += ` ${line.replace(/\\$/, '').trim()}`;
      pending.depth += open - close;
      pending.continued = line.endsWith('\\');
      if (pending.depth <= 0 && !pending.continued) {
        push(rules, chainKey(table!.family, table!.name, chain!), { line: pending.line, text: pending.text.replace(/;$/, '').replace(/\s+/g, ' ').trim() });
        pending = undefined;
      }
      return;
    }
    if (!line) return;
    if (/^include\b/.test(line)) everything = true;
    const add = /^(add|insert) rule (?:(ip|ip6|inet|arp|bridge|netdev) )?(\S+) (\S+) (.+)$/.exec(line);
    if (!table && REORDERS.test(line)) {
      const m = /rule (?:(ip|ip6|inet|arp|bridge|netdev) )?(\S+) (\S+)|flush (?:chain|table) (?:(ip|ip6|inet|arp|bridge|netdev) )?(\S+)(?: (\S+))?/.exec(line);
      if (m?.[2] && m[3]) unknown.add(chainKey(m[1] ?? 'ip', m[2], m[3]));
      else everything = true;
      return;
    }
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
    if (!chain || other > 0) {
      // A block that is neither (a helper, a set, a one-line chain): followed by its braces only.
      if (table && !chain) {
        if (/^chain \S+ \{.*\}$/.test(line)) unknown.add(chainKey(table.family, table.name, line.split(/\s+/)[1]!));
        other += Math.max(0, open - close);
      } else other += open - close;
      return;
    }
    // The chain's header: its type, hook and priority, and its policy.
    if (/^(type|policy|comment|devices?)\s/.test(line)) return;
    const key = chainKey(table!.family, table!.name, chain);
    // Statements this reader does not place in the kernel's order: the chain gets no lines.
    if (/^(define|include)\b/.test(line) || /;\s*\S/.test(line)) {
      unknown.add(key);
      return;
    }
    if (open > close || line.endsWith('\\')) {
      pending = { line: i + 1, text: line.replace(/\\$/, '').trim(), depth: open - close, continued: line.endsWith('\\') };
      return;
    }
    push(rules, key, { line: i + 1, text: line.replace(/;$/, '').trim() });
  });
  if (pending || everything) return new Map();
  for (const key of unknown) rules.set(key, UNKNOWN);
  return rules;
}

/** A chain whose file rules are not known in the kernel's order (rule-lines never guesses). */
const UNKNOWN: FileRule[] = Object.freeze([]) as unknown as FileRule[];

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
  if (!inFile || inFile === UNKNOWN || inFile.length !== handlesInOrder.length) return undefined;
  const k = handlesInOrder.indexOf(handle);
  return k < 0 ? undefined : inFile[k];
}
