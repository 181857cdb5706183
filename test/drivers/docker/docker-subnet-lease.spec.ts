// Two Docker topologies with the same subnets (two runs, or two workers of one run) on one
// engine: the second waits for the first's subnet leases instead of failing with Docker's
// "Pool overlaps", then comes up and carries FTP; the lease of a SIGKILLed owner is taken
// over, with the networks it left behind.
//
//   client 192.168.10.10 --lan 192.168.10.0/24-- [fw] --wan 203.0.113.0/24-- server 203.0.113.10   (twice)
import { spawn } from 'node:child_process';
import { DockerDriver } from '../../../harness/drivers/docker/docker-driver.ts';
import type { StartedTopology } from '../../../harness/drivers/driver.ts';
import { startFtpServer } from '../../../harness/nodes/start-ftp-server.ts';
import { TOPOLOGIES_DIR } from '../../../harness/paths.ts';
import { startFtpClient } from '../../../harness/probes/start-ftp-client.ts';
import { loadTopology } from '../../../harness/topology/load-topology.ts';
import { expect, leftovers, test } from '../../support/driver-test.ts';

test.skip(({ driverName }) => driverName !== 'docker', 'subnet leases are the docker driver');

const routed = () => loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`);

/** One passive RETR from client to server through fw (which holds no rules): the lab carries FTP. */
async function transfer(topology: StartedTopology): Promise<string[]> {
  const spec = topology.spec.nodes.server!;
  if (spec.kind !== 'ftp-server') throw new Error('routed: server is not an ftp-server');
  await using server = await startFtpServer('vsftpd', topology.node('server'), spec.ftp);
  await using client = await startFtpClient('curl', topology.node('client'));
  const { info } = server;
  const job = { host: '203.0.113.10', port: info.port, user: info.user, password: info.password, mode: 'PASV' as const, command: 'RETR' as const, path: info.testFile.path, timeoutMs: 20_000 };
  const r = await client.run(job).report;
  return r.phases.map((p) => `${p.phase} ${p.ok}`);
}

const CLIENT_ADDRESS = async (t: StartedTopology) => (await t.node('client').exec(['ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout;

test('two topologies with the same subnets at once: the second waits for the first, then both carry FTP', async () => {
  const driver = new DockerDriver();
  const spec = await routed();
  // The driver says on stderr when it waits for a subnet: that line is the sign of waiting.
  const waits: string[] = [];
  let sawWait: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => (sawWait = resolve));
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (String(chunk).includes('waiting for it')) {
      waits.push(String(chunk).trim());
      sawWait();
    }
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  const ids: string[] = [];
  try {
    const first = await driver.up(spec);
    ids.push(first.id);
    let secondUp = false;
    const second = driver.up(spec).then((t) => {
      secondUp = true;
      ids.push(t.id);
      return t;
    });
    try {
      await waiting;
      expect(waits[0]).toMatch(new RegExp(`subnet (192\\.168\\.10\\.0|203\\.0\\.113\\.0)/24 is in use by run ${first.id}`));
      expect(await transfer(first)).toContain('transfer true');
      expect(secondUp, 'the second topology came up while the first held its subnets').toBe(false);
    } finally {
      const released = Date.now();
      await first[Symbol.asyncDispose]();
      await using t2 = await second;
      test.info().annotations.push({ type: 'second waited after release', description: `${Date.now() - released} ms` });
      expect(await CLIENT_ADDRESS(t2)).toContain('inet 192.168.10.10/24');
      expect(await transfer(t2)).toContain('transfer true');
    }
  } finally {
    process.stderr.write = write;
  }
  for (const id of ids) expect(await leftovers(id)).toEqual([]);
});

test("a SIGKILLed owner's subnets are taken over, with the networks it left", async () => {
  const script = `
    import { DockerDriver } from '${process.cwd()}/harness/drivers/docker/docker-driver.ts';
    import { loadTopology } from '${process.cwd()}/harness/topology/load-topology.ts';
    const t = await new DockerDriver().up(await loadTopology('${TOPOLOGIES_DIR}/routed.topo.yaml'));
    console.log(t.id);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dead = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  expect(await leftovers(dead)).not.toEqual([]);
  const topology = await new DockerDriver().up(await routed());
  const id = topology.id;
  try {
    expect(await leftovers(dead)).toEqual([]);
    expect(await CLIENT_ADDRESS(topology)).toContain('inet 192.168.10.10/24');
    expect(await transfer(topology)).toContain('transfer true');
  } finally {
    await topology[Symbol.asyncDispose]();
  }
  expect(await leftovers(id)).toEqual([]);
});
