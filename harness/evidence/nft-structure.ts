/**
 * The shape of the rule set the firewall holds, read from `nft -j list ruleset`: which chains
 * hook where and at what priority, which FTP helper objects exist, and which rules attach a
 * helper. iptables-nft rule sets show up here too (tables `ip filter`, `ip raw`...).
 */
import { OBSERVER_TABLE } from '../rulesets/observer-ruleset.ts';

/** Connection tracking runs at this priority (NF_IP_PRI_CONNTRACK): a chain before it sees no connection yet. */
export const CONNTRACK_PRIORITY = -200;

export interface NftChain {
  family: string;
  table: string;
  name: string;
  /** Base chains only: `filter`, `nat`, `route`. */
  type?: string;
  hook?: string;
  prio?: number;
  policy?: string;
}

export interface NftHelperObject {
  family: string;
  table: string;
  name: string;
  /** The kernel helper it stands for: `ftp`. */
  type: string;
}

export interface HelperAssignment {
  family: string;
  table: string;
  chain: string;
  handle: number;
  /** The helper object the rule sets. */
  helper: string;
}

export interface NftStructure {
  chains: NftChain[];
  helpers: NftHelperObject[];
  assignments: HelperAssignment[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/** Everything but pinhole's own observer table. */
export function nftStructure(json: unknown): NftStructure {
  const items = isObj(json) && Array.isArray(json.nftables) ? (json.nftables as unknown[]) : [];
  const out: NftStructure = { chains: [], helpers: [], assignments: [] };
  for (const item of items) {
    if (!isObj(item)) continue;
    const chain = item.chain;
    if (isObj(chain) && chain.table !== OBSERVER_TABLE) {
      out.chains.push({
        family: String(chain.family),
        table: String(chain.table),
        name: String(chain.name),
        ...(typeof chain.type === 'string' ? { type: chain.type } : {}),
        ...(typeof chain.hook === 'string' ? { hook: chain.hook } : {}),
        ...(typeof chain.prio === 'number' ? { prio: chain.prio } : {}),
        ...(typeof chain.policy === 'string' ? { policy: chain.policy } : {}),
      });
    }
    const helper = item['ct helper'];
    if (isObj(helper)) out.helpers.push({ family: String(helper.family), table: String(helper.table), name: String(helper.name), type: String(helper.type) });
    const rule = item.rule;
    if (isObj(rule) && Array.isArray(rule.expr)) {
      for (const e of rule.expr) {
        if (isObj(e) && typeof e['ct helper'] === 'string') {
          out.assignments.push({ family: String(rule.family), table: String(rule.table), chain: String(rule.chain), handle: Number(rule.handle), helper: e['ct helper'] });
        }
      }
    }
  }
  return out;
}

export function chainOf(s: NftStructure, ref: { family: string; table: string; chain: string }): NftChain | undefined {
  return s.chains.find((c) => c.family === ref.family && c.table === ref.table && c.name === ref.chain);
}

/** Helper assignments in base chains that run before connection tracking: they attach nothing. */
export function assignmentsBeforeConntrack(s: NftStructure): Array<HelperAssignment & { prio: number; hook: string }> {
  return s.assignments.flatMap((a) => {
    const c = chainOf(s, a);
    return c?.hook !== undefined && c.prio !== undefined && c.prio < CONNTRACK_PRIORITY ? [{ ...a, prio: c.prio, hook: c.hook }] : [];
  });
}

/**
 * A rule's text from `nft -a list ruleset` (which ends each rule with `# handle N`). Handles
 * are unique within a table, so the table's header line scopes the search.
 */
export function ruleText(listing: string, ref: { family: string; table: string; handle: number }): string | undefined {
  let inTable = false;
  for (const line of listing.split('\n')) {
    const header = /^table (\S+) (\S+) \{/.exec(line);
    if (header) inTable = header[1] === ref.family && header[2] === ref.table;
    const rule = inTable ? new RegExp(`^\\s*(.*?)\\s*# handle ${ref.handle}\\s*$`).exec(line) : null;
    if (rule) return rule[1];
  }
  return undefined;
}
