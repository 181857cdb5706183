/**
 * Whether a rule set, as the kernel holds it (`nft -j list ruleset`), keeps state that traffic
 * changes: counters, rate limits, quotas, sets a rule adds to, and the like. Such a rule set is
 * applied afresh for every cell, so no cell inherits what an earlier one counted, spent or
 * added. One that keeps none is left in place between cells of the same rule set, and only
 * connection tracking is flushed: nothing a cell did can have changed it.
 *
 * An allowlist, so a construct this module does not know counts as state: the cost of a wrong
 * "stateful" is an apply of some ten milliseconds, the cost of a wrong "stateless" a verdict
 * that depends on the cell before. iptables-nft rule sets always count (every rule has a
 * counter), so they are always applied afresh.
 */

/** Rule statements that keep nothing between packets (conntrack, which some set, is flushed). */
const STATELESS_STATEMENTS = new Set([
  'match',
  'accept',
  'drop',
  'reject',
  'continue',
  'return',
  'jump',
  'goto',
  'mangle',
  'ct helper',
  'ct timeout',
  'ct expectation',
  'log',
  'masquerade',
  'snat',
  'dnat',
  'redirect',
  'notrack',
  'dup',
  'fwd',
  'tproxy',
  'queue',
  // A verdict map is a lookup; a `set`/`map` statement (add @x, update @x) is not listed: state.
  'vmap',
]);

/** Expressions inside a statement that keep state of their own (`numgen inc`, `ct count`...). */
const STATEFUL_EXPRESSIONS = new Set(['counter', 'limit', 'quota', 'meter', 'ct count', 'connlimit', 'last', 'synproxy', 'flow', 'xt']);

/** Rule-set objects that hold state (named counters, quotas, limits...); tables, chains, helpers do not. */
const STATELESS_OBJECTS = new Set(['metainfo', 'table', 'chain', 'rule', 'ct helper', 'ct timeout', 'ct expectation', 'set', 'map', 'element']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where inside an expression tree a stateful one sits, if anywhere. */
function statefulInside(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = statefulInside(v);
      if (found) return found;
    }
    return undefined;
  }
  if (!isObj(value)) return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (STATEFUL_EXPRESSIONS.has(key)) return key;
    if (key === 'numgen' && isObj(v) && v.mode !== 'random') return 'numgen inc';
    const found = statefulInside(v);
    if (found) return found;
  }
  return undefined;
}

/**
 * What keeps state in the listed rule set (`counter in inet filter forward`, `set ip nat seen
 * (dynamic)`), or undefined when nothing does. A listing that is not `nft -j` output counts as
 * state: nothing is known about it.
 */
export function keptState(json: unknown): string | undefined {
  const items = isObj(json) && Array.isArray(json.nftables) ? (json.nftables as unknown[]) : undefined;
  if (!items) return 'an unreadable listing';
  for (const item of items) {
    if (!isObj(item)) return 'an unreadable listing';
    const [kind, body] = Object.entries(item)[0] ?? [];
    if (kind === undefined || !STATELESS_OBJECTS.has(kind)) return `${kind ?? 'an empty item'} object`;
    if (!isObj(body)) continue;
    const where = `${String(body.family)} ${String(body.table ?? body.name)}`;
    if (kind === 'set' || kind === 'map') {
      const flags = Array.isArray(body.flags) ? body.flags : [body.flags];
      if (flags.includes('dynamic') || flags.includes('timeout') || body.timeout !== undefined || statefulInside(body.elem)) return `${kind} ${where} ${String(body.name)} (dynamic)`;
    }
    if (kind !== 'rule' || !Array.isArray(body.expr)) continue;
    for (const statement of body.expr) {
      const key = isObj(statement) ? Object.keys(statement)[0] : undefined;
      if (key === undefined || !STATELESS_STATEMENTS.has(key)) return `${key ?? 'an unreadable statement'} in ${where} ${String(body.chain)}`;
      const inside = statefulInside(statement[key as keyof typeof statement]);
      if (inside) return `${inside} in ${where} ${String(body.chain)}`;
    }
  }
  return undefined;
}
