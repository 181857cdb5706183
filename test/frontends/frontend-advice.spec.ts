// Advice in a frontend's own terms, as edits of a copy of the configuration (the end-to-end
// check renders each changed copy and re-runs the cell: test/cli/frontend-check.spec.ts). Here:
// what each edit writes, on copies of the suite's configurations.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { frontendFixes, type FrontendFixInput } from '../../harness/frontends/frontend-advice.ts';
import { frontendTree } from '../../harness/frontends/render-frontend.ts';
import { SUITES_DIR } from '../../harness/paths.ts';
import { scratchDir } from '../support/scratch-dir.ts';

const scratch = scratchDir('pinhole-frontend-advice-');
const CONFIGS = join(SUITES_DIR, 'ftp-frontends/configs');

function copy(from: string, to = from): string {
  const dir = join(scratch(), to);
  cpSync(join(CONFIGS, from), dir, { recursive: true });
  return dir;
}

async function fixes(over: Partial<FrontendFixInput> & Pick<FrontendFixInput, 'kind' | 'config'>) {
  return frontendFixes({ code: 'no-helper', placement: 'forward', port: 21, tree: (await frontendTree(over.kind)).tree, ...over });
}

test('causes a helper cannot fix get no frontend advice', async () => {
  expect(await fixes({ kind: 'ferm', config: join(copy('ferm-router-no-helper'), 'ferm.conf'), code: 'tls-blind' })).toEqual([]);
});

test('firewalld: the ftp service where port 21 is opened, in either attribute order; on a client, a policy from HOST to its default zone first', async () => {
  const router = copy('firewalld-router-port-21');
  const policy = join(router, 'policies/int-to-ext.xml');
  writeFileSync(policy, readFileSync(policy, 'utf8').replace('<port port="21" protocol="tcp"/>', '<port protocol="tcp" port="21" />'));
  const [service] = await fixes({ kind: 'firewalld', config: router });
  expect(await service!.edit(router)).toBe(true);
  expect(readFileSync(policy, 'utf8')).toContain('<service name="ftp"/>');
  expect(readFileSync(policy, 'utf8')).not.toContain('port="21"');
  // Nothing to replace: not this fix.
  expect(await service!.edit(router)).toBe(false);

  const client = copy('firewalld-client-ftp-service');
  const [hostPolicy, alsoService] = await fixes({ kind: 'firewalld', config: client, placement: 'client' });
  expect(alsoService!.change).toMatch(/^use the ftp service/);
  expect(await hostPolicy!.edit(client)).toBe(true);
  expect(readFileSync(join(client, 'policies/ftp-client.xml'), 'utf8')).toMatch(/<ingress-zone name="HOST"\/>\s*<egress-zone name="public"\/>\s*<service name="ftp"\/>/);
});

test("ufw: a raw CT section after before.rules' own, in both families; a configuration keeping the shipped file gets a copy of it", async () => {
  const etc = copy('ufw-server-no-helper');
  rmSync(join(etc, 'ufw/before6.rules'));
  const [fix] = await fixes({ kind: 'ufw', config: etc, placement: 'server' });
  await fix!.edit(etc);
  for (const name of ['before.rules', 'before6.rules']) {
    const text = readFileSync(join(etc, 'ufw', name), 'utf8');
    expect(text).toMatch(/^\*filter$[\s\S]*^COMMIT$[\s\S]*^\*raw\n:PREROUTING ACCEPT \[0:0\]\n-A PREROUTING -p tcp --dport 21 -j CT --helper ftp\nCOMMIT\n$/m);
  }
  // On a client the helper goes where its own control connection leaves: raw OUTPUT.
  const [clientFix] = await fixes({ kind: 'ufw', config: etc, placement: 'client' });
  expect(clientFix!.change).toContain('-A OUTPUT -p tcp --dport 21 -j CT --helper ftp');
});

test('ferm, FireHOL and Shorewall: the CT rule, the helper mode, AUTOHELPERS with HELPERS=ftp or a conntrack line', async () => {
  const ferm = join(copy('ferm-router-no-helper'), 'ferm.conf');
  await (await fixes({ kind: 'ferm', config: ferm }))[0]!.edit(ferm);
  expect(readFileSync(ferm, 'utf8')).toMatch(/domain \(ip ip6\) table raw chain PREROUTING proto tcp dport 21 CT helper ftp;\n$/);

  const firehol = join(copy('firehol-router-kernel-helpers'), 'firehol.conf');
  await (await fixes({ kind: 'firehol', config: firehol }))[0]!.edit(firehol);
  const lines = readFileSync(firehol, 'utf8').split('\n');
  const setting = lines.indexOf('FIREHOL_CONNTRACK_HELPERS_ASSIGNMENT="firehol"');
  expect(setting).toBeGreaterThan(0);
  expect(setting).toBeLessThan(lines.findIndex((l) => /^\s*(?:interface|router)\s/.test(l)));

  const sw = copy('shorewall-router-plain-port/shorewall', 'gw/shorewall');
  const [helpers, conntrack] = await fixes({ kind: 'shorewall', config: sw });
  await helpers!.edit(sw);
  expect(readFileSync(join(sw, 'shorewall.conf'), 'utf8')).toMatch(/^AUTOHELPERS=Yes$[\s\S]*^HELPERS=ftp$/m);
  rmSync(join(sw, 'conntrack'), { force: true });
  await conntrack!.edit(sw);
  expect(existsSync(join(sw, 'conntrack'))).toBe(true);
  expect(readFileSync(join(sw, 'conntrack'), 'utf8')).toMatch(/^\?FORMAT 3\n[\s\S]*^CT:helper:ftp:PO\t-\t-\ttcp\t21$/m);
});
