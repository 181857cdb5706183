// The real frontends rendering the ftp-frontends suite's configurations, each in its throw-away
// network, mount and PID namespace (harness/frontends/render-frontend.sh), and the host exactly
// as before: its rule sets, the sysctls ufw's sysctl.conf sets, its /etc, and no process of
// theirs. Then what each frontend refuses, told at the user's file and line in its own words.
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { InputError } from '../../harness/errors.ts';
import { run } from '../../harness/exec.ts';
import { suiteFrontendConfig } from '../../harness/frontends/frontend-kinds.ts';
import { renderFrontend, type Rendering } from '../../harness/frontends/render-frontend.ts';
import type { FrontendKind } from '../../harness/model.ts';
import { SUITES_DIR } from '../../harness/paths.ts';
import { hostSnapshot, diffSnapshots } from '../support/host-snapshot.ts';
import { scratchDir } from '../support/scratch-dir.ts';

const CONFIGS = join(SUITES_DIR, 'ftp-frontends/configs');
const scratch = scratchDir('pinhole-render-frontend-');

/** The host's state a frontend would change if it ran there. */
async function hostState(): Promise<Record<string, string>> {
  const snapshot = await hostSnapshot();
  const sysctlFile = join(CONFIGS, 'ufw-server-no-helper/ufw/sysctl.conf');
  const keys = readFileSync(sysctlFile, 'utf8').split('\n').flatMap((l) => /^\s*([a-z0-9_/.-]+)\s*=/.exec(l)?.[1] ?? []);
  const sysctls = keys.map((k) => `${k}=${existsSync(`/proc/sys/${k.replace(/\./g, '/')}`) ? readFileSync(`/proc/sys/${k.replace(/\./g, '/')}`, 'utf8').trim() : 'absent'}`);
  const etc = ['firewalld', 'ufw', 'ferm', 'firehol', 'shorewall', 'shorewall6', 'default/ufw', 'default/firehol'].map((p) => `/etc/${p}: ${existsSync(`/etc/${p}`) ? 'present' : 'absent'}`);
  const processes = (await run(['pgrep', '-a', '-f', 'firewalld|dbus-daemon --config-file=/run/dbus/pinhole|ufw-init|shorewall|firehol'])).stdout;
  return {
    'nft list ruleset': snapshot['nft list ruleset']!,
    'iptables-save': snapshot['iptables-save']!,
    'ip6tables-save': snapshot['ip6tables-save']!,
    sysctls: `${snapshot['sysctls']}\n${sysctls.join('\n')}`,
    etc: etc.join('\n'),
    processes: processes.split('\n').filter((l) => l && !l.includes('pgrep')).join('\n'),
  };
}

/** What each frontend's rendering of the suite must hold: the rules that decide FTP. */
const RENDERED: Record<string, (r: Rendering) => void> = {
  'firewalld-router-ftp-service': (r) => expect(text(r, 'nft')).toMatch(/chain filter_FWD_policy_int-to-ext_allow \{[^}]*tcp dport 21 ct helper set "helper-ftp-tcp"/),
  'firewalld-router-port-21': (r) => expect(text(r, 'nft')).not.toContain('helper-ftp'),
  'ufw-server-no-helper': (r) => {
    expect(text(r, 'iptables')).toContain('-A ufw-user-input -p tcp -m tcp --dport 21 -j ACCEPT');
    expect(text(r, 'ip6tables')).toContain('-A ufw6-user-input -p tcp -m tcp --dport 21 -j ACCEPT');
    expect(text(r, 'iptables')).not.toContain('CT --helper');
  },
  'ufw-server-ct-helper': (r) => expect(text(r, 'iptables')).toContain('-j CT --helper ftp'),
  'ferm-router-ct-helper': (r) => {
    expect(text(r, 'iptables')).toMatch(/^\*raw$[\s\S]*(?:-j|--jump) CT --helper ftp/m);
    expect(text(r, 'ip6tables')).toMatch(/(?:-j|--jump) CT --helper ftp/);
  },
  'firehol-router-kernel-helpers': (r) => expect(text(r, 'iptables')).not.toContain('CT --helper'),
  'firehol-router-firehol-helpers': (r) => expect(text(r, 'iptables')).toContain('-j CT --helper ftp'),
  'shorewall-router-ftp-macro': (r) => expect(text(r, 'iptables')).toContain('-j CT --helper ftp -m comment --comment "FTP"'),
  // AUTOHELPERS=Yes: every helper the kernel has, by port, in raw PREROUTING and OUTPUT.
  'shorewall-router-autohelpers': (r) => expect(new Set([...text(r, 'iptables').matchAll(/-j CT --helper (\S+)/g)].map((m) => m[1])).size).toBeGreaterThan(5),
};

function text(r: Rendering, format: 'nft' | 'iptables' | 'ip6tables'): string {
  const f = r.files.find((x) => x.format === format);
  if (!f) throw new Error(`${r.name}: no ${format} rendering (has ${r.files.map((x) => x.format).join(', ')})`);
  return f.text;
}

test('every configuration of ftp-frontends renders with its real frontend, and the host is as it was', async () => {
  test.setTimeout(120_000);
  const before = await hostState();
  const configs = readdirSync(CONFIGS).map((d) => suiteFrontendConfig(join(CONFIGS, d))!);
  expect(configs.map((c) => c.kind).sort()).toEqual(expect.arrayContaining(['firewalld', 'ufw', 'ferm', 'firehol', 'shorewall']));
  for (const c of configs) {
    const r = await renderFrontend(c, { reuse: false });
    expect(r.renderMs, `${r.name} was rendered, not read back`).toBeGreaterThan(0);
    // Both families wherever the frontend writes both; firewalld's nft table holds both.
    expect(r.files.map((f) => f.format)).toEqual(c.kind === 'firewalld' ? ['nft'] : ['iptables', 'ip6tables']);
    RENDERED[r.name]?.(r);
    // Rendered again: read back from the cache, the same files.
    const again = await renderFrontend(c);
    expect(again.files.map((f) => f.text)).toEqual(r.files.map((f) => f.text));
  }
  expect(diffSnapshots(before, await hostState())).toBe('');
});

/** A copy of a suite configuration with one line replaced; its path as the frontend reads it. */
function broken(name: string, file: string, from: string | RegExp, to: string): { config: string; file: string; line: number } {
  const dir = join(scratch(), name);
  cpSync(join(CONFIGS, name), dir, { recursive: true });
  const path = join(dir, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((l) => (typeof from === 'string' ? l.includes(from) : from.test(l)));
  if (at < 0) throw new Error(`${name}/${file}: no line ${String(from)}`);
  lines[at] = lines[at]!.replace(from, to);
  writeFileSync(path, lines.join('\n'));
  return { config: suiteFrontendConfig(dir)!.config, file: path, line: at + 1 };
}

const refusals: Array<[FrontendKind, ReturnType<typeof broken> | (() => ReturnType<typeof broken>), RegExp]> = [
  ['ferm', () => broken('ferm-router-ct-helper', 'ferm.conf', 'outerface $WAN_IF', 'outerfaec $WAN_IF'), /ferm: Unrecognized keyword: outerfaec/],
  ['ufw', () => broken('ufw-server-no-helper', 'ufw/user.rules', '--dport 21 -j ACCEPT', '--dport 2x1 -j ACCEPT'), /ufw: invalid port\/service `2x1' specified/],
  ['firehol', () => broken('firehol-router-firehol-helpers', 'firehol.conf', /^\s*server ftp accept/, '\tserverx ftp accept'), /firehol: serverx: command not found/],
  ['shorewall', () => broken('shorewall-router-ftp-macro', 'shorewall/rules', /^FTP\(ACCEPT\)/, 'FTPX(ACCEPT)'), /shorewall: .*FTPX/],
  ['firewalld', () => broken('firewalld-router-ftp-service', 'policies/int-to-ext.xml', '<service name="ftp"/>', '<service name="ftpx"/>'), /firewalld: INVALID_SERVICE: Policy 'int-to-ext': 'ftpx' not among existing services/],
];

for (const [kind, make, said] of refusals) {
  test(`${kind} refusing a configuration: its own words, at the user's file and line`, async () => {
    const b = typeof make === 'function' ? make() : make;
    const problems = await renderFrontend({ kind, config: b.config }, { reuse: false }).then(
      () => [],
      (err: unknown) => {
        if (err instanceof InputError) return err.problems;
        throw err;
      },
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${b.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${b.line}: `));
    expect(problems[0]).toMatch(said);
  });
}
