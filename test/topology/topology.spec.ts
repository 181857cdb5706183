/**
 * Topologies as data: every valid fixture loads, every invalid fixture is rejected with the
 * problem its header promises, at the line it promises, and the committed JSON Schema matches
 * the zod schema it is generated from.
 *
 * Invalid fixtures start with comment lines that say what must be reported (`# expect:`,
 * `# expect-line:`, `# expect-count:`; test/support/expect-headers.ts).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { InputError } from '../../harness/errors.ts';
import { expectationsOf } from '../support/expect-headers.ts';
import { addressOfInterface, gatewaysOf, subnetsOf } from '../../harness/topology/dual-stack.ts';
import { loadTopology, parseTopology, resolveTopology } from '../../harness/topology/load-topology.ts';
import { renderTopologyJsonSchema, TOPOLOGY_JSON_SCHEMA_FILE } from '../../harness/topology/write-json-schema.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const topologiesDir = path.join(here, '..', '..', 'topologies');
const fixtures = path.join(here, '..', 'fixtures', 'topologies');
const fixtureFiles = (kind: 'valid' | 'invalid') =>
  readdirSync(path.join(fixtures, kind))
    .filter((f) => f.endsWith('.topo.yaml'))
    .sort()
    .map((f) => path.join(fixtures, kind, f));

/** Rejects with InputError, or fails the test saying what loaded instead. */
async function problemsOf(load: Promise<unknown>): Promise<InputError> {
  const err = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the topology to be rejected').toBeInstanceOf(InputError);
  return err as InputError;
}

test.describe('valid topologies', () => {
  for (const file of fixtureFiles('valid')) {
    test(`${path.basename(file)} loads`, async () => {
      const spec = await loadTopology(file);
      expect(spec.name).toBe(path.basename(file, '.topo.yaml'));
    });
  }

  test('routed.topo.yaml is the routed topology, address for address', async () => {
    const spec = await loadTopology(path.join(topologiesDir, 'routed.topo.yaml'));
    expect(spec).toEqual({
      name: 'routed',
      description: 'One stateful firewall between a client LAN and a server WAN.',
      segments: { lan: { subnet: '192.168.10.0/24' }, wan: { subnet: '203.0.113.0/24' } },
      nodes: {
        client: {
          kind: 'ftp-client',
          interfaces: { eth0: { segment: 'lan', address: '192.168.10.10/24' } },
          gateway: '192.168.10.254',
        },
        fw: {
          kind: 'firewall',
          interfaces: {
            lan0: { segment: 'lan', address: '192.168.10.254/24' },
            wan0: { segment: 'wan', address: '203.0.113.254/24' },
          },
        },
        server: {
          kind: 'ftp-server',
          interfaces: { eth0: { segment: 'wan', address: '203.0.113.10/24' } },
          gateway: '203.0.113.254',
          ftp: { software: 'vsftpd', port: 21, passivePorts: { min: 50000, max: 50010 } },
        },
      },
    });
  });

  test('ftp settings default to vsftpd on 21 with passive ports 50000-50010', async () => {
    const spec = await loadTopology(path.join(fixtures, 'valid', 'routed-defaults.topo.yaml'));
    const server = spec.nodes.server;
    expect(server?.kind === 'ftp-server' && server.ftp).toEqual({
      software: 'vsftpd',
      port: 21,
      passivePorts: { min: 50000, max: 50010 },
    });
  });

  test('dual stack: one value or a list read alike; an address by family, IPv4 by default, as the kernel prints it', async () => {
    const spec = await loadTopology(path.join(fixtures, 'valid', 'dual-stack-mixed.topo.yaml'));
    const client = spec.nodes.client!;
    const eth0 = client.interfaces.eth0!;
    // The list names IPv6 first; a reader that asks for no family still gets IPv4, as before dual stack.
    expect(addressOfInterface(eth0)).toBe('192.168.10.10');
    expect(addressOfInterface(eth0, 'ipv4')).toBe('192.168.10.10');
    expect(addressOfInterface(eth0, 'ipv6')).toBe('2001:db8:10::10');
    expect(addressOfInterface(spec.nodes.server!.interfaces.eth0!, 'ipv6')).toBeUndefined();
    expect(addressOfInterface(spec.nodes.fw!.interfaces.wan0!)).toBe('203.0.113.254');
    expect(gatewaysOf(client)).toEqual(['2001:db8:10::254', '192.168.10.254']);
    expect(gatewaysOf(spec.nodes.fw!)).toEqual([]);
    expect(subnetsOf(spec.segments.lan!)).toEqual(['2001:db8:10::/64', '192.168.10.0/24']);
    expect(subnetsOf(spec.segments.wan!)).toEqual(['203.0.113.0/24']);
  });

  test('a partial ftp section keeps the defaults of the keys it leaves out', () => {
    const text = readFileSync(path.join(fixtures, 'valid', 'routed-defaults.topo.yaml'), 'utf8');
    const spec = parseTopology(`${text}    ftp: { port: 2121 }\n`, 'inline.topo.yaml');
    const server = spec.nodes.server;
    expect(server?.kind === 'ftp-server' && server.ftp).toEqual({
      software: 'vsftpd',
      port: 2121,
      passivePorts: { min: 50000, max: 50010 },
    });
  });
});

test.describe('invalid topologies', () => {
  for (const file of fixtureFiles('invalid')) {
    test(`${path.basename(file)} is rejected`, async () => {
      const { expects, count } = expectationsOf(file);
      expect(expects.length, 'an invalid fixture needs at least one "# expect:" line').toBeGreaterThan(0);
      const err = await problemsOf(loadTopology(file));
      for (const problem of err.problems) expect(problem.startsWith(`${file}:`), problem).toBe(true);
      for (const { text, line } of expects) {
        const matching = err.problems.filter((p) => p.includes(text));
        expect(matching, `no problem contains ${JSON.stringify(text)} in:\n${err.message}`).not.toEqual([]);
        if (line !== undefined) {
          const onLine = matching.filter((p) => p.startsWith(`${file}:${line}:`));
          expect(onLine, `${JSON.stringify(text)} reported at line ${line}:\n${err.message}`).not.toEqual([]);
        }
      }
      if (count !== undefined) expect(err.problems, err.message).toHaveLength(count);
    });
  }

  test('a missing file is one clear problem', async () => {
    const file = path.join(fixtures, 'no-such.topo.yaml');
    const err = await problemsOf(loadTopology(file));
    expect(err.problems).toEqual([`${file}: cannot read topology: no such file`]);
  });

  test('a directory is one clear problem', async () => {
    const dir = path.join(fixtures, 'valid');
    const err = await problemsOf(loadTopology(dir));
    expect(err.problems).toEqual([`${dir}: cannot read topology: it is a directory, not a file`]);
  });

  test('an unreadable file is one clear problem', async () => {
    // Root reads any file whatever its mode, so the loader runs as `nobody` in a child process.
    const dir = mkdtempSync(path.join(tmpdir(), 'pinhole-topo-'));
    try {
      chmodSync(dir, 0o755);
      const file = path.join(dir, 'secret.topo.yaml');
      writeFileSync(file, 'name: x\n', { mode: 0o000 });
      const loader = fileURLToPath(new URL('../../harness/topology/load-topology.ts', import.meta.url));
      const script = `import { loadTopology } from ${JSON.stringify(loader)};
        loadTopology(${JSON.stringify(file)}).then(() => console.log('[]'), (e) => console.log(JSON.stringify(e.problems)));`;
      const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(JSON.parse(r.stdout), r.stderr).toEqual([`${file}: cannot read topology: permission denied`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.describe('resolveTopology', () => {
  test('maps a bare name to topologies/<name>.topo.yaml', () => {
    expect(resolveTopology('routed', topologiesDir)).toBe(path.join(topologiesDir, 'routed.topo.yaml'));
  });

  test('takes anything else as a path', () => {
    const file = path.join(fixtures, 'valid', 'nat-chain.topo.yaml');
    expect(resolveTopology(file, topologiesDir)).toBe(file);
    expect(resolveTopology('./my.topo.yaml', topologiesDir)).toBe('./my.topo.yaml');
  });

  test('an unknown name lists the available topologies', () => {
    let err: unknown;
    try {
      resolveTopology('routd', topologiesDir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain('unknown topology "routd"');
    expect((err as InputError).message).toMatch(/available topologies: .*\brouted\b/);
  });
});

test('topologies/topology.schema.json is up to date (regenerate with `npm run schema`)', () => {
  expect(readFileSync(TOPOLOGY_JSON_SCHEMA_FILE, 'utf8')).toBe(renderTopologyJsonSchema());
  expect(TOPOLOGY_JSON_SCHEMA_FILE).toBe(path.join(topologiesDir, 'topology.schema.json'));
});
