/**
 * Where a rule set under test comes from: a file (nft or iptables-save), an iptables-save and
 * ip6tables-save pair, or a frontend's configuration that the real frontend renders
 * (harness/frontends/). Every path that loads a rule set under test (cells, `explore`, `diff`,
 * the CLI's input checks) loads it through here, so all three are the same to the rest.
 */
import { renderFrontend, type Rendering } from './render-frontend.ts';
import { frontendConfigName } from './frontend-kinds.ts';
import { InputError } from '../errors.ts';
import type { RulesetSource } from '../model.ts';
import { loadRuleset, loadRulesetPair, rulesetName, type Ruleset } from '../rulesets/load-ruleset.ts';

export type { RulesetSource };

export async function loadRulesetSource(s: RulesetSource): Promise<Ruleset> {
  if (s.frontend) return rulesetOfRendering(await renderFrontend({ kind: s.frontend, config: s.file }));
  if (s.ipv6File) return loadRulesetPair([s.file, s.ipv6File]);
  return loadRuleset(s.file);
}

/** The rendering as a rule set: the nft text, or the iptables text with its IPv6 half beside it. */
export function rulesetOfRendering(r: Rendering): Ruleset {
  const frontend = { kind: r.kind, version: r.version, config: r.config };
  const nft = r.files.find((f) => f.format === 'nft');
  const v4 = r.files.find((f) => f.format === 'iptables');
  const v6 = r.files.find((f) => f.format === 'ip6tables');
  const first = nft ?? v4 ?? v6;
  if (!first) throw new InputError(`${r.config}: ${r.kind} rendered no rules from it`);
  return {
    file: first.path,
    name: r.name,
    format: first.format,
    text: first.text,
    ...(first === v4 && v6 ? { ipv6: { file: v6.path, text: v6.text } } : {}),
    frontend,
  };
}

/** The rule set's name in reports, before anything is loaded. */
export function rulesetSourceName(s: RulesetSource): string {
  return s.frontend ? frontendConfigName({ kind: s.frontend, config: s.file }) : rulesetName(s.file);
}
