/**
 * Fail before anything starts: every topology and every rule set a run will use is parsed and
 * checked first, and all problems are reported together.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { checkRuleset } from '../rulesets/check-ruleset.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { loadRulesetSource, type RulesetSource } from '../frontends/ruleset-source.ts';
import { loadTopology } from '../topology/load-topology.ts';
import type { TopologySpec } from '../topology/schema.ts';

async function collect<T>(problems: string[], work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InputError) problems.push(...err.problems);
    else throw err;
    return undefined;
  }
}

/**
 * Rule sets checked at once. Each check spawns programs (nft in a throw-away namespace), and
 * Node's spawn blocks its event loop while it forks: some 120 spawned in one go held the loop
 * for a second, and for several on a loaded machine, during which Ctrl-C went unanswered.
 */
const CHECKS_AT_ONCE = 6;

/**
 * `work` over `items` with at most `limit` running at once; results in the items' order. Ours:
 * a dozen lines for this one place, where p-limit would be a dependency.
 */
async function mapWithLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export async function validateInputs(topologyFiles: string[], rulesetSources: Array<string | RulesetSource>): Promise<{ topologies: TopologySpec[]; rulesets: Ruleset[] }> {
  const sources = rulesetSources.map((s) => (typeof s === 'string' ? { file: s } : s));
  const problems: string[] = [];
  const topologies: TopologySpec[] = [];
  const rulesets: Ruleset[] = [];
  for (const file of topologyFiles) {
    const spec = await collect(problems, () => loadTopology(file));
    if (spec) topologies.push(spec);
  }
  // Nodes' own fixed rule sets are inputs too: checked like the rule sets under test.
  const fixedRulesets = topologies.flatMap((t) => Object.values(t.nodes).flatMap((n) => (n.ruleset ? [n.ruleset] : [])));
  // Checked at once (each is an `nft -c` or `iptables-restore --test` in a scratch namespace,
  // tens of milliseconds; the catalogue has about forty), problems kept in the files' order.
  const checked = await mapWithLimit(
    [...new Set(fixedRulesets)].map((file) => ({ source: { file } as RulesetSource, fixed: true })).concat(sources.map((source) => ({ source, fixed: false }))),
    CHECKS_AT_ONCE,
    async ({ source, fixed }) => {
      const own: string[] = [];
      const rs = await collect(own, async () => {
        // A frontend's configuration is rendered here, once for the whole run: workers read the
        // rendering back from pinhole's cache (harness/frontends/render-frontend.ts).
        const loaded = await loadRulesetSource(source);
        await checkRuleset(loaded).catch((err: unknown) => {
          if (!(err instanceof InputError) || !loaded.frontend) throw err;
          throw new InputError(err.problems.map((p) => `${loaded.frontend!.config}: ${loaded.frontend!.kind} rendered rules that do not load again: ${p}`));
        });
        return loaded;
      });
      return { rs: fixed ? undefined : rs, own };
    },
  );
  for (const { rs, own } of checked) {
    problems.push(...own);
    if (rs) rulesets.push(rs);
  }
  if (problems.length > 0) throw new InputError(problems);
  return { topologies, rulesets };
}

/** Files with one of `suffixes` directly in `dir`, or in `dir/<sub>/<leaf>` when leaf is given. */
export async function filesUnder(dir: string, suffixes: string[], leaf?: string): Promise<string[]> {
  const out: string[] = [];
  const dirs = leaf ? (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(dir, d.name, leaf)) : [dir];
  for (const d of dirs) {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue;
    }
    out.push(...names.filter((n) => suffixes.some((s) => n.endsWith(s))).map((n) => join(d, n)));
  }
  return out.sort();
}

/** The directories in each `dir/<sub>/<leaf>` (a suite's configs/). */
export async function dirsUnder(dir: string, leaf: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    const holder = join(dir, sub.name, leaf);
    try {
      out.push(...(await readdir(holder, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(holder, d.name)));
    } catch {
      continue;
    }
  }
  return out.sort();
}
