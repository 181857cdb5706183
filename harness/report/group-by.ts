/**
 * The one grouping the reports share: items that give the same key end up in one group, groups in
 * the order their first item appears and items in input order, so a sorted input stays sorted.
 * Our own because Map.groupBy and Object.groupBy arrive in Node 21 (package.json allows 20) and
 * are not in the ES2022 lib this project compiles against. The key is a string: callers with a
 * compound key pass JSON.stringify of its parts, which cannot run two parts together.
 */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
