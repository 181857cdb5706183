// Loads a rule set into a throw-away network namespace (`unshare -n`, gone when the command
// exits) and returns what nft reports about it: tests of diagnosis and advice read the real
// tool's JSON instead of hand-written fixtures. Never the host's own rule set.
import { spawnSync } from 'node:child_process';

const MARK = '@@pinhole-split';

type Format = 'nft' | 'iptables' | 'ip6tables';
const RESTORE = { nft: 'nft -f -', iptables: 'iptables-nft-restore', ip6tables: 'ip6tables-nft-restore' } as const;

export function loadedRuleset(text: string, format: Format = 'nft'): { json: unknown; listing: string } {
  const load = RESTORE[format];
  const r = spawnSync('unshare', ['-n', 'sh', '-c', `${load} && nft -j list ruleset && echo ${MARK} && nft -a list ruleset`], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loading the rule set failed: ${r.stderr}`);
  const [json, listing] = r.stdout.split(`${MARK}\n`);
  return { json: JSON.parse(json!), listing: listing ?? '' };
}

/** Whether nft (or iptables-nft-restore --test) accepts the text, in a throw-away namespace. */
export function rulesetParses(text: string, format: Format): { ok: boolean; stderr: string } {
  const argv = format === 'nft' ? ['nft', '-c', '-f', '-'] : [`${format}-nft-restore`, '--test'];
  const r = spawnSync('unshare', ['-n', ...argv], { input: text, encoding: 'utf8' });
  return { ok: r.status === 0, stderr: r.stderr };
}
