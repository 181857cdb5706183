/**
 * A frontend's refusal of a configuration, told as pinhole tells any bad input: at the user's
 * file (and line, where the frontend gives one), in the frontend's own words. The frontend ran
 * on a private copy (render-frontend.sh): the paths it names are mapped back to the user's.
 */
import { join } from 'node:path';
import type { FrontendConfig } from './frontend-kinds.ts';

/** Where render-frontend.sh puts each frontend's configuration inside its sandbox. */
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
      return own;
  }
}

export function frontendProblem(c: FrontendConfig, stderr: string, stdout: string): string {
  let text = `${stderr}\n${stdout}`;
  for (const [inside, outside] of sandboxPaths(c)) text = text.split(inside).join(outside);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const said = lines.filter((l) => /\b(error|invalid|unknown|failed|refus|not found|no such|warning)\b/i.test(l));
  const message = (said.length > 0 ? said : lines.slice(-5)).join('\n    ');
  return `${c.config}: ${c.kind} refused the configuration:\n    ${message || '(it said nothing)'}`;
}
