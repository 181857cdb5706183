// `pinhole check` on five frontend configurations as users keep them (copies of ftp-frontends'
// field failures), each rendered by its real frontend: the violations' verified advice is a
// change in the frontend's own terms (proven by rendering the changed copy and re-running the
// cell), the user's files are untouched, and the reports name the frontend, its version, the
// configuration and the configuration element behind the deciding rule. A configuration the
// frontend refuses stops the check with exit 2, in the frontend's words, before any lab starts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { RunReport } from '../../harness/cell-contract.ts';
import { REPO_ROOT, SUITES_DIR } from '../../harness/paths.ts';
import { scratchDir } from '../support/scratch-dir.ts';

const scratch = scratchDir('pinhole-frontend-check-');
const CONFIGS = join(SUITES_DIR, 'ftp-frontends/configs');
/** 20 cells, 16 of them violations whose advice renders a changed copy and runs the cell again: a minute, three on a busy machine. */
test.describe.configure({ mode: 'serial', timeout: 300_000 });

function pinhole(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'harness/cli/pinhole.mjs'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' }, timeout: 280_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` with its content's hash: what the check must leave as it found it. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

const DIMENSIONS = ['    servers: [vsftpd]', '    clients: [probe]', '    commands: [RETR]', '    families: [ipv4]', '    tls: [none]', '    scenarios: [transfer]', '    security: []', '    expect: { PORT: pass, EPRT: pass, PASV: pass, EPSV: pass }'];

/** The user's repository: each configuration where its owner keeps it. */
function userRepository(): string {
  const repo = join(scratch(), 'repo');
  const copy = (from: string, to: string) => {
    mkdirSync(join(repo, to, '..'), { recursive: true });
    cpSync(join(CONFIGS, from), join(repo, to), { recursive: true });
  };
  copy('ufw-server-no-helper', 'web01/etc');
  copy('ferm-router-no-helper/ferm.conf', 'router/ferm.conf');
  copy('firehol-router-kernel-helpers/firehol.conf', 'gw/firehol.conf');
  copy('shorewall-router-plain-port/shorewall', 'edge/shorewall');
  copy('shorewall-router-plain-port/shorewall6', 'edge/shorewall6');
  copy('firewalld-client-ftp-service', 'laptop/firewalld');
  copy('shorewall-router-autohelpers/shorewall', 'office/shorewall');
  copy('shorewall-router-autohelpers/shorewall6', 'office/shorewall6');
  const check = (frontend: string, config: string, on?: string) => [`  - frontend: { kind: ${frontend}, config: ${config} }`, '    topology: routed', ...(on ? [`    on: ${on}`] : []), ...DIMENSIONS];
  writeFileSync(
    join(repo, 'pinhole.yaml'),
    [
      'name: frontends',
      'checks:',
      ...check('ufw', 'web01/etc', 'server'),
      ...check('ferm', 'router/ferm.conf'),
      ...check('firehol', 'gw/firehol.conf'),
      ...check('shorewall', 'edge/shorewall'),
      ...check('firewalld', 'laptop/firewalld', 'client'),
      // Shorewall's AUTOHELPERS with the two-interfaces sample's policy: FTP works, and so does the helper-scope attack.
      ...check('shorewall', 'office/shorewall').map((l) => l.replace('security: []', 'security: [helper-scope]')),
      '',
    ].join('\n'),
  );
  return repo;
}

/** What each frontend's verified advice must say, in its own terms. */
const ADVICE: Record<string, RegExp> = {
  'web01@server': /^add to ufw\/before\.rules and ufw\/before6\.rules[\s\S]*-A PREROUTING -p tcp --dport 21 -j CT --helper ftp/,
  router: /^add to ferm\.conf[\s\S]*CT helper ftp;/,
  gw: /FIREHOL_CONNTRACK_HELPERS_ASSIGNMENT="firehol"/,
  edge: /AUTOHELPERS=Yes and HELPERS=ftp|CT:helper:ftp/,
  'laptop@client': /^add policies\/ftp-client\.xml[\s\S]*<ingress-zone name="HOST"\/>[\s\S]*<service name="ftp"\/>/,
};

test('five frontends: violations with verified advice in each frontend\'s terms, the reports naming the frontend, the user\'s files untouched', () => {
  const repo = userRepository();
  const before = tree(repo);
  const r = pinhole(['check', '--json', 'reports/results.json', '--junit', 'reports/junit.xml'], repo);
  expect(r.code, r.stderr).toBe(1);
  const { results } = JSON.parse(readFileSync(join(repo, 'reports/results.json'), 'utf8')) as RunReport;
  expect(results).toHaveLength(26);
  const attacks = results.filter((c) => c.kind === 'security');
  expect(attacks.map((c) => [c.ruleset, c.mode, c.verdict])).toEqual([
    ['office', 'PORT', 'violation'],
    ['office', 'EPRT', 'violation'],
  ]);
  for (const c of attacks) expect(c.cause).toMatch(/^attack-reached: slipstream: the IRC server dialled 192\.168\.10\.10:\d+ through the firewall after "PRIVMSG victim :\\x01DCC SEND /);
  expect(results.filter((c) => c.ruleset === 'office' && c.kind === 'transfer').map((c) => c.verdict)).toEqual(['compliant', 'compliant', 'compliant', 'compliant']);
  const violations = results.filter((c) => c.verdict === 'violation' && c.kind === 'transfer');
  // ufw on the server blocks passive data, firewalld on the client active data; the three routers all data.
  expect(violations.map((c) => `${c.ruleset} ${c.mode}`).sort()).toEqual(
    ['edge', 'gw', 'router'].flatMap((n) => ['EPRT', 'EPSV', 'PASV', 'PORT'].map((m) => `${n} ${m}`)).concat(['laptop@client EPRT', 'laptop@client PORT', 'web01@server EPSV', 'web01@server PASV']).sort(),
  );
  for (const c of violations) {
    expect(c.advice, `${c.ruleset} ${c.mode}: ${c.cause}`).toMatchObject({ verified: true });
    expect(c.advice!.change, `${c.ruleset} ${c.mode}`).toMatch(ADVICE[c.ruleset]!);
  }
  for (const c of results) {
    expect(c.frontend?.config.startsWith(repo)).toBe(true);
    expect(c.frontend?.version).toMatch(/^\d/);
    // What was applied is kept with the reports: copies beside the JSON report, named relative to it.
    expect(c.frontend?.rendering.length).toBeGreaterThan(0);
    for (const f of c.frontend!.rendering) expect(existsSync(join(repo, 'reports', f)), f).toBe(true);
  }
  // The deciding rule in the rendering, and where the user's configuration says it comes from.
  const ufwControl = results.find((c) => c.ruleset === 'web01@server')!.attribution!.connections.find((x) => x.connection === 'control')!;
  expect(ufwControl.decidedBy).toMatchObject({ rule: '-A ufw-user-input -p tcp -m tcp --dport 21 -j ACCEPT', source: expect.stringMatching(/^etc\/ufw\/user\.rules:\d+: ufw allow tcp 21 /) });
  const fwdData = results.find((c) => c.ruleset === 'laptop@client' && c.mode === 'PORT')!;
  expect(fwdData.cause).toMatch(/rejected with ICMP admin-prohibited at client by inet firewalld filter_IN_public rule "reject with icmpx admin-prohibited" at laptop\.nft:\d+, from firewalld\/zones\/public\.xml: zone public/);
  const junit = readFileSync(join(repo, 'reports/junit.xml'), 'utf8');
  expect(junit).toMatch(/<property name="frontend" value="shorewall 5\.2\.8-\S*"\/>/);
  expect(tree(repo)).toEqual({ ...before, ...Object.fromEntries(Object.keys(tree(repo)).filter((f) => f.startsWith('reports/')).map((f) => [f, tree(repo)[f]!])) });
});

test('a configuration its frontend refuses stops the check with exit 2, in the frontend\'s words at the line, before any lab starts', () => {
  const repo = userRepository();
  const rules = join(repo, 'edge/shorewall/rules');
  const lines = readFileSync(rules, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('ACCEPT') && l.includes('21'));
  lines[at] = lines[at]!.replace(/^ACCEPT/, 'ACCPET');
  writeFileSync(rules, lines.join('\n'));
  const r = pinhole(['check', '--json', 'reports/results.json'], repo);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`${rules}:${at + 1}: shorewall: `);
  expect(r.stderr).toContain('ACCPET');
  expect(r.stdout).not.toContain('running');
});
