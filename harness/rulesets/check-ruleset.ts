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
  if (rs.ipv6) problems.push(...(await checkIptables({ ...rs, ...rs.ipv6, format: 'ip6tables' }, 'ip6tables')));
  if (problems.length > 0) throw new InputError(problems);
}

async function checkNft(rs: Ruleset): Promise<string[]> {
  const r = await run(['unshare', '--net', 'nft', '-c', '-f', rs.file]);
  if (r.code === 0) return [];
  const out = r.stderr.trim() || r.stdout.trim();
  if (!out.includes(rs.file)) return [`${rs.file}: nft: ${out}`];
  // nft prefixes each error with file:line:column, then quotes the line with carets under the
  // place. After a syntax error its parser resynchronises badly and reports a cascade of errors
  // that only follow from the first ("unexpected type", "unexpected '}'"), so the first is
  // told, with its excerpt indented (every line at the margin is a problem; carets still align),
  // and the rest counted.
  const errors: string[][] = [];
  for (const l of out.split('\n')) {
    if (l.startsWith(rs.file)) errors.push([explainNftError(l.replace(/: Error: /, ': nft: '))]);
    else (errors.at(-1) ?? (errors[0] = [])).push(`    ${l}`);
  }
  const [first, ...rest] = errors as [string[], ...string[][]];
  if (looksLikeIptables(rs.text)) first[0] += '; this looks like iptables-save rules without their `*filter` (or `*nat`, `*raw`, `*mangle`) header line';
  if (rest.length > 0) first.push(`    (nft reported ${rest.length} more error${rest.length === 1 ? '' : 's'} after this one, often consequences of it: fix this one first)`);
  return [first.join('\n')];
}

/**
 * nft reports a name that resolves to nothing as the kernel's ENOENT, which reads like a missing
 * file, and an unclosed brace only where the file ends.
 */
function explainNftError(line: string): string {
  if (/Could not process rule: No such file or directory$/.test(line)) return `${line} (a table, chain, set, map or ct helper this line names does not exist)`;
  if (/syntax error, unexpected end of file$/.test(line)) return `${line} (a \`{\` is never closed)`;
  return line;
}

function looksLikeIptables(text: string): boolean {
  return /^\s*(?:-[AIN]\s+\S|:[A-Z][A-Z0-9_-]*\s+(?:ACCEPT|DROP|-)\b)/m.test(text);
}

async function checkIptables(rs: Ruleset, family: keyof typeof RESTORE_COMMAND): Promise<string[]> {
  const restore = RESTORE_COMMAND[family];
  let r = await run(['unshare', '--net', restore, '--test'], { input: rs.text });
  // `--test` does not resolve jump targets (`-j ACCEPTT` passes it); a real restore into the
  // throw-away namespace does, and the namespace vanishes with the process.
  if (r.code === 0) r = await run(['unshare', '--net', restore], { input: rs.text });
  if (r.code === 0) return [];
  const { line, message } = iptablesProblem(rs.text, (r.stderr.trim() || r.stdout.trim()).split('\n'));
  return [`${rs.file}${line ? `:${line}` : ''}: ${family}-restore: ${message}`];
}

/**
 * iptables-restore's complaint, said once and where it belongs. It words the line three ways
 * (`line N failed`, `at line N`, `Error occurred at line: N`), names itself with its version,
 * reports an unknown jump target at the COMMIT that loads the table rather than at the rule,
 * and says only `line N failed` for a rule outside any `*table` section.
 */
function iptablesProblem(text: string, output: string[]): { line: number | undefined; message: string } {
  let line = output.map((l) => /line:? (\d+)/.exec(l)?.[1]).find(Boolean);
  let message = output
    .filter((l) => !l.startsWith('Try `') && !/^Error occurred at line: \d+$/.test(l.trim()))
    .map((l) => l.replace(/^ip6?tables(?:-nft)?-restore(?: v[\d.]+(?: \([^)]*\))?)?: /, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const fileLines = text.split('\n');
  const missingChain = /Chain '([^']+)' does not exist/.exec(message)?.[1];
  if (missingChain) {
    const at = fileLines.findIndex((l) => new RegExp(`\\s-[jg]\\s+${missingChain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`).test(l));
    if (at >= 0) line = String(at + 1);
    message = `${message}: a jump target is ACCEPT, DROP, RETURN, a target extension (REJECT, LOG, CT...) or a chain declared with \`:${missingChain} - [0:0]\``;
  }
  const commit = /COMMIT expected at line (\d+)/.exec(message);
  if (commit) {
    const atEnd = Number(commit[1]) >= fileLines.length;
    message = atEnd
      ? 'the file ends inside a table: each `*table` section ends with a COMMIT line'
      : 'a new table starts before the previous one was committed: each `*table` section ends with a COMMIT line';
  }
  const failed = /^line (\d+) failed(?:: (.*))?$/.exec(message);
  if (failed) {
    const n = Number(failed[1]);
    const header = fileLines.findIndex((l) => l.trim().startsWith('*'));
    const outside = header < 0 || n - 1 < header;
    message = outside ? `${JSON.stringify(fileLines[n - 1]?.trim() ?? '')} is outside any table: rules and chains come after a \`*filter\` (or \`*nat\`, \`*raw\`, \`*mangle\`) line` : (failed[2] ?? 'this line is not iptables-save syntax');
  }
  return { line: line === undefined ? undefined : Number(line), message };
}
