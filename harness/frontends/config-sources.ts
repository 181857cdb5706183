/**
 * Which element of the user's frontend configuration a rendered rule comes from, as far as the
 * rendering says: firewalld's chain names carry the zone or policy, ufw copies its rules files
 * line by line into its chains, Shorewall names chains after zone pairs and keeps each macro's
 * name as a comment, FireHOL names chains after its `interface` and `router` statements, ferm
 * keeps chain names. A rule is told back as `FILE:LINE: ELEMENT` (the file relative to the
 * configuration), or `FILE: ELEMENT` where no line says more; nothing is guessed past that.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { RulesetFrontend } from '../rulesets/load-ruleset.ts';
import type { FileRule, RulesByChain } from '../rulesets/rule-lines.ts';

interface ConfigFile {
  /** As reports show it: relative to the configuration's directory. */
  shown: string;
  lines: string[];
}

function readConfig(path: string, shownFrom: string): ConfigFile | undefined {
  try {
    if (!existsSync(path) || !statSync(path).isFile()) return undefined;
    return { shown: relative(shownFrom, path), lines: readFileSync(path, 'utf8').split('\n') };
  } catch {
    return undefined;
  }
}

/** The 1-based line of the first line matching `re`, or undefined. */
const lineOf = (f: ConfigFile, re: RegExp, from = 0) => {
  const i = f.lines.findIndex((l, k) => k >= from && re.test(l));
  return i < 0 ? undefined : i + 1;
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type SourceOf = (chain: string, rule: FileRule) => string | undefined;

export function withConfigSources(rules: RulesByChain, frontend: RulesetFrontend): RulesByChain {
  const sourceOf = SOURCES[frontend.kind as keyof typeof SOURCES]?.(frontend.config);
  if (!sourceOf) return rules;
  const out: RulesByChain = new Map();
  for (const [key, list] of rules) {
    const chain = key.split(' ')[2] ?? '';
    out.set(
      key,
      list.length === 0
        ? list
        : list.map((r) => {
            const source = sourceOf(chain, r);
            return source ? { ...r, source } : r;
          }),
    );
  }
  return out;
}

const SOURCES: Record<string, (config: string) => SourceOf> = {
  /**
   * firewalld 1.x names its nft chains `filter_IN_<zone>_allow`, `filter_FWD_<zone>_deny`,
   * `filter_FWD_policy_<policy>_allow`, `nat_POST_<zone>...`: the zone or policy is in the name.
   */
  firewalld: (config) => (chain) => {
    // Its dispatch chains spell the hook out (`filter_FORWARD_POLICIES`, `mangle_PREROUTING_ZONES`).
    const m = /^(?:filter|nat|mangle|raw)_(?:IN|OUT|FWD|PRE|POST)_(policy_)?(.+?)(?:_(?:allow|deny|log|pre|post))?$/.exec(chain);
    if (!m) return undefined;
    const [what, name] = m[1] ? ['policy', m[2]!] : ['zone', m[2]!];
    const file = join(config, what === 'policy' ? 'policies' : 'zones', `${name}.xml`);
    return existsSync(file) ? `${relative(dirname(config), file)}: ${what} ${name}` : `${what} ${name} (firewalld's own)`;
  },
  /**
   * ufw loads before.rules, user.rules and after.rules (and their IPv6 twins) with
   * iptables-restore into chains named after them, so a rendered rule is a line of one of them,
   * with the matches iptables adds (`-m tcp`) taken out; user.rules says which `ufw` command
   * wrote a rule in the `### tuple ###` line above it.
   */
  ufw: (config) => {
    const files = new Map<string, ConfigFile | undefined>();
    const fileOf = (name: string) => {
      if (!files.has(name)) files.set(name, readConfig(join(config, 'ufw', name), dirname(config)));
      return files.get(name);
    };
    const plain = (l: string) => l.replace(/\s-m (?:tcp|udp)(?=\s)/g, '').replace(/\s+/g, ' ').trim();
    return (chain, rule) => {
      const m = /^ufw(6?)-(before|user|after)-/.exec(chain);
      if (!m) return undefined;
      const f = fileOf(`${m[2]}${m[1]}.rules`);
      if (!f) return `ufw/${m[2]}${m[1]}.rules (ufw's own)`;
      const want = plain(rule.text);
      const at = f.lines.findIndex((l) => plain(l) === want);
      if (at < 0) return f.shown;
      const tuple = /^### tuple ### (.*)$/.exec(f.lines[at - 1] ?? '')?.[1];
      return `${f.shown}:${at + 1}${tuple ? `: ufw ${tuple}` : ''}`;
    };
  },
  /** ferm keeps its chain names: the rule is in the file's `chain NAME` block (or a `chain (A B)` list). */
  ferm: (config) => {
    const f = readConfig(config, dirname(dirname(config)));
    return (chain) => {
      if (!f) return undefined;
      const line = lineOf(f, new RegExp(`\\bchain\\s+(?:\\([^)]*\\b${escape(chain)}\\b[^)]*\\)|${escape(chain)}\\b)`));
      return line ? `${f.shown}:${line}: chain ${chain}` : undefined;
    };
  },
  /** FireHOL names the chains of `interface NAME ...` and `router NAME ...` statements in_NAME and out_NAME. */
  firehol: (config) => {
    const f = readConfig(config, dirname(dirname(config)));
    return (chain) => {
      const name = /^(?:in|out)_(.+)$/.exec(chain)?.[1];
      if (!f || !name) return undefined;
      const line = lineOf(f, new RegExp(`^\\s*(?:interface|router)[46]?\\s+(?:\\S+\\s+)?${escape(name)}\\b`));
      return line ? `${f.shown}:${line}: ${f.lines[line - 1]!.trim().split(/\s+/)[0]} ${name}` : undefined;
    };
  },
  /**
   * Shorewall names a zone pair's chain `SOURCE-DEST` and keeps a macro's name as the rule's
   * comment (`-m comment --comment "FTP"`): the rules file's line using that macro between those
   * zones; the chain's closing jump is the pair's policy.
   */
  shorewall: (config) => {
    const rules = readConfig(join(config, 'rules'), dirname(config));
    const policy = readConfig(join(config, 'policy'), dirname(config));
    return (chain, rule) => {
      const macro = /--comment "([^"]+)"/.exec(rule.text)?.[1];
      const pair = /^([a-z0-9]+)[-2]([a-z0-9]+)$/i.exec(chain);
      const zones = pair ? `\\s+(?:${escape(pair[1]!)}|all)\\S*\\s+(?:${escape(pair[2]!)}|all)\\b` : '\\s';
      if (macro && rules) {
        const line = lineOf(rules, new RegExp(`^\\s*${escape(macro)}(?:\\(|/|\\s)[^#]*${pair ? zones : ''}`)) ?? lineOf(rules, new RegExp(`^\\s*${escape(macro)}\\b`));
        if (line) return `${rules.shown}:${line}: ${rules.lines[line - 1]!.trim().replace(/\s+/g, ' ')}`;
      }
      if (pair && policy && /\s-[jg]\s+(?:reject|REJECT|DROP|ACCEPT|logdrop|logreject)\b/.test(rule.text) && !/\s-[pms]\s|--dport|--ctstate/.test(rule.text)) {
        const line = lineOf(policy, new RegExp(`^\\s*(?:${escape(pair[1]!)}|all)\\s+(?:${escape(pair[2]!)}|all)\\b`));
        if (line) return `${policy.shown}:${line}: policy ${policy.lines[line - 1]!.trim().replace(/\s+/g, ' ')}`;
      }
      return pair ? `zones ${pair[1]} to ${pair[2]}` : undefined;
    };
  },
};

