/**
 * Syntax check before anything starts, by the real tools: `nft -c -f` and
 * `iptables-restore --test` (`ip6tables-restore --test` for IPv6 rule sets). They run in a throw-away network namespace (`unshare --net`), so
 * even a check never talks to the host's own netfilter, and nothing outlives the check.
 */
import { run } from '../exec.ts';
import { InputError } from '../errors.ts';
import { RESTORE_COMMAND, type Ruleset } from './load-ruleset.ts';

export async function checkRuleset(rs: Ruleset): Promise<void> {
  const problems = rs.format === 'nft' ? await checkNft(rs) : await checkIptables(rs, rs.format);
  if (problems.length > 0) throw new InputError(problems);
}

async function checkNft(rs: Ruleset): Promise<string[]> {
  const r = await run(['unshare', '--net', 'nft', '-c', '-f', rs.file]);
  if (r.code === 0) return [];
  // nft already prefixes each error with file:line:column; keep its caret lines for context.
  const out = r.stderr.trim() || r.stdout.trim();
  return [out.includes(rs.file) ? out : `${rs.file}: nft: ${out}`];
}

async function checkIptables(rs: Ruleset, family: keyof typeof RESTORE_COMMAND): Promise<string[]> {
  const restore = RESTORE_COMMAND[family];
  let r = await run(['unshare', '--net', restore, '--test'], { input: rs.text });
  // `--test` does not resolve jump targets (`-j ACCEPTT` passes it); a real restore into the
  // throw-away namespace does, and the namespace vanishes with the process.
  if (r.code === 0) r = await run(['unshare', '--net', restore], { input: rs.text });
  if (r.code === 0) return [];
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n');
  // iptables-restore says `line N failed` or `...: line N: message`; lead with file:N like nft does.
  const line = out.map((l) => /line:? (\d+)/.exec(l)?.[1]).find(Boolean);
  const message = out.filter((l) => !l.startsWith('Try `')).join(' ').replace(/\s+/g, ' ');
  return [`${rs.file}${line ? `:${line}` : ''}: ${family}-restore: ${message}`];
}
