/**
 * A frontend's refusal of a configuration, told as pinhole tells any bad input: at the user's
 * file and line where the frontend gives one, in the frontend's own words. The frontend ran on a
 * private copy (render-frontend.sh): the paths it names are mapped back to the user's. Each
 * frontend words it its own way (verified against broken configurations of each):
 *
 * - ferm:      `Error in FILE line N:`, the context, a `<--` line, then the message
 * - ufw:       `Problem running '/etc/ufw/X.rules'`, and iptables-restore's message with
 *              `Error occurred at line: N`
 * - FireHOL:   bash's `FILE: line N: MESSAGE` (a line that is no FireHOL command), or its own
 *              block `WHY    : MESSAGE` ... `SOURCE : N@FILE: COMMAND`
 * - Shorewall: `ERROR: MESSAGE FILE (line N)`
 * - firewalld: `Configuration error: CODE: MESSAGE`, or `ERROR: CODE: MESSAGE` in its log, naming
 *              the zone or policy (`Policy 'lan-to-wan': 'httpx' not among existing services`)
 *              but no file: the file is the zone's or policy's, the line the one quoting the value
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrontendConfig } from './frontend-kinds.ts';

/** Where render-frontend.sh puts each frontend's configuration inside its sandbox, longest first. */
function sandboxPaths(c: FrontendConfig): Array<[string, string]> {
  const base = c.config.split('/').pop()!;
  const own: Array<[string, string]> = [[`/run/pinhole/config/${base}`, c.config]];
  switch (c.kind) {
    case 'firewalld':
      return [...own, ['/etc/firewalld', c.config]];
    case 'ufw':
      return [...own, ['/etc/ufw', join(c.config, 'ufw')], ['/etc/default/ufw', join(c.config, 'default/ufw')]];
    case 'shorewall':
      return [...own, ['/etc/shorewall6', join(c.config, '../shorewall6')], ['/etc/shorewall', c.config]];
    case 'ferm':
      return [...own, ['/etc/ferm/ferm.conf', c.config], ['/etc/ferm', join(c.config, '..')]];
    case 'firehol':
      return [...own, ['/etc/firehol/firehol.conf', c.config]];
  }
}

interface Complaint {
  file: string;
  line?: number | undefined;
  message: string;
}

const FIND: Record<FrontendConfig['kind'], (text: string, c: FrontendConfig) => Complaint[]> = {
  ferm: (text) => [...text.matchAll(/^Error in (.+?) line (\d+):\n(?:.*\n)*?.*<--\n(.+)$/gm)].map((m) => ({ file: m[1]!, line: Number(m[2]), message: m[3]!.trim() })),
  ufw: (text) => {
    const files = [...text.matchAll(/^Problem running '([^']+)'$/gm)].map((m) => m[1]!);
    const reasons = [...text.matchAll(/^ip6?tables-restore(?: v[\d.]+ \(\w+\))?: (.*?)\n(?:\s*\n)?Error occurred at line: (\d+)$/gm)];
    return files.map((file, n) => ({ file, line: reasons[n] ? Number(reasons[n]![2]) : undefined, message: reasons[n]?.[1] ?? 'iptables-restore refused it' }));
  },
  firehol: (text) => [
    ...[...text.matchAll(/^WHY\s*: (.*)\n(?:.*\n)*?SOURCE\s*: (\d+)@([^:]+): /gm)].map((m) => ({ file: m[3]!, line: Number(m[2]), message: m[1]!.trim() })),
    ...[...text.matchAll(/(?:^|\s)(\/[^:\s]+): line (\d+): (.*)$/gm)].map((m) => ({ file: m[1]!, line: Number(m[2]), message: m[3]!.trim() })),
  ],
  shorewall: (text) =>
    [...text.matchAll(/^\s*ERROR: (.*?)(?: (\/\S+) \((?:line (\d+)|EOF)\))?$/gm)].map((m) => ({ file: m[2] ?? '', line: m[3] ? Number(m[3]) : undefined, message: m[1]!.trim() })),
  firewalld: (text, c) => {
    const found = [...text.matchAll(/^(?:Configuration error: |.*\bERROR: )([A-Z_]+: .*)$/gm)].map((m) => m[1]!.trim());
    return [...new Set(found)].map((message) => {
      const named = /^[A-Z_]+: (Zone|Policy|Service|Helper) '([^']+)'/.exec(message);
      const dir = { Zone: 'zones', Policy: 'policies', Service: 'services', Helper: 'helpers' }[named?.[1] as 'Zone'];
      const file = named && dir ? join(c.config, dir, `${named[2]}.xml`) : join(c.config, 'firewalld.conf');
      const quoted = [...message.matchAll(/'([^']+)'/g)].map((q) => q[1]!).filter((q) => q !== named?.[2]);
      return { file, line: lineQuoting(file, quoted), message };
    });
  },
};

/** The line of `file` holding one of `values` (an XML attribute's value), where the frontend named none. */
function lineQuoting(file: string, values: string[]): number | undefined {
  if (!existsSync(file) || values.length === 0) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => values.some((v) => l.includes(`"${v}"`)));
  return at < 0 ? undefined : at + 1;
}

export function frontendProblem(c: FrontendConfig, stderr: string, stdout: string): string[] {
  let text = `${stderr}\n${stdout}`;
  for (const [inside, outside] of sandboxPaths(c)) text = text.split(inside).join(outside);
  const found = FIND[c.kind](text, c);
  if (found.length > 0) {
    const at = (p: Complaint) => `${p.file || c.config}${p.line ? `:${p.line}` : ''}`;
    return [...new Set(found.map((p) => `${at(p)}: ${c.kind}: ${p.message}`))];
  }
  // No complaint in a known form: its own lines that say something went wrong, else its last ones.
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const said = lines.filter((l) => /\b(error|invalid|unknown|failed|refus|not found|no such|warning)\b/i.test(l));
  const message = (said.length > 0 ? said : lines.slice(-5)).join('\n    ');
  return [`${c.config}: ${c.kind} refused the configuration:\n    ${message || '(it said nothing)'}`];
}
