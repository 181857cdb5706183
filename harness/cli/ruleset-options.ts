/**
 * The rule set a command runs through, from its options: `--ruleset FILE` (given twice to
 * `explore`, an iptables-save and ip6tables-save pair), or `--frontend KIND --config PATH`, a
 * frontend's configuration rendered by the real frontend. Usage mistakes are told before
 * anything is read.
 */
import { resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { FRONTEND_KINDS, type FrontendKind } from '../frontends/frontend-kinds.ts';
import type { RulesetSource } from '../frontends/ruleset-source.ts';

export interface RulesetOptions {
  ruleset?: string[] | undefined;
  frontend?: string | undefined;
  config?: string[] | undefined;
}

export function frontendKindOf(text: string, where: string): FrontendKind {
  if (!(FRONTEND_KINDS as readonly string[]).includes(text)) throw new InputError(`${where}: unknown frontend ${JSON.stringify(text)}; frontends: ${FRONTEND_KINDS.join(', ')}`);
  return text as FrontendKind;
}

/**
 * The `count` rule sets the options name (explore one, diff two: OLD then NEW). With `pairs`,
 * two `--ruleset` files make one rule set, the two halves of an iptables pair.
 */
export function rulesetSourcesOf(opts: RulesetOptions, count: 1 | 2): RulesetSource[] {
  const files = opts.ruleset ?? [];
  const configs = opts.config ?? [];
  const want = count === 1 ? 'one' : 'two, OLD then NEW';
  if (opts.frontend !== undefined || configs.length > 0) {
    if (files.length > 0) throw new InputError('--ruleset and --frontend: give either a rule set file or a frontend configuration, not both');
    if (opts.frontend === undefined) throw new InputError(`--config names a frontend's configuration: say which frontend reads it with --frontend (${FRONTEND_KINDS.join(', ')})`);
    const frontend = frontendKindOf(opts.frontend, '--frontend');
    if (configs.length !== count) throw new InputError(`--config: ${count === 1 ? 'give one' : 'give it twice, OLD then NEW'}; got ${configs.length === 0 ? 'none' : `${configs.length} (${configs.join(', ')})`}`);
    return configs.map((c) => ({ file: resolve(c), frontend }));
  }
  if (count === 1 && files.length === 2) return [{ file: files[0]!, ipv6File: files[1]! }];
  if (files.length !== count) {
    const got = files.length === 0 ? 'none' : `${files.length} (${files.join(', ')})`;
    throw new InputError(`--ruleset: ${count === 1 ? 'give one (or two: an iptables-save and an ip6tables-save file)' : `diff needs exactly ${want}`}, or --frontend KIND --config PATH; got ${got}`);
  }
  return files.map((file) => ({ file }));
}

/** Commander's collector for an option that may be given more than once. */
export const collect = (value: string, all: string[]) => [...all, value];
