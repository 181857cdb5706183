// Each FTP server software, on each driver: the program serving a session is that software
// (its process, its own greeting), so a silent fallback to vsftpd can never pass the ftp-servers
// suite; endSessions ends a live session and keeps the listener; dispose stops it. The listener
// is the software itself too, but for proftpd: it runs as inetd runs it, behind pinhole's
// acceptor (harness/nodes/inetd-acceptor.mjs, a node program), one proftpd per session.
import { driverFor } from '../../harness/drivers/registry.ts';
import type { NodeHandle } from '../../harness/drivers/driver.ts';
import { waitFor } from '../../harness/exec.ts';
import { SERVER_SOFTWARE, type ServerSoftware } from '../../harness/model.ts';
import { bundleFile } from '../../harness/nodes/ftp-server-bundle.ts';
import { FtpServerProcess } from '../../harness/nodes/ftp-server-process.ts';
import { startFtpServer } from '../../harness/nodes/start-ftp-server.ts';
import { TOPOLOGIES_DIR } from '../../harness/paths.ts';
import { loadTopology } from '../../harness/topology/load-topology.ts';
import { expect, leftovers, test } from '../support/driver-test.ts';

/**
 * The first line of each software's greeting: pure-ftpd's and proftpd's are their own compiled-in
 * texts (only the server name is pinhole's), vsftpd's is the banner pinhole configures.
 */
const GREETING: Record<ServerSoftware, RegExp> = {
  vsftpd: /^220 pinhole vsftpd ready/,
  'pure-ftpd': /^220-+ Welcome to Pure-FTPd/,
  proftpd: /^220 ProFTPD Server \(pinhole\)/,
};

/**
 * Runs in the client node: opens a control connection, prints what the server says and keeps
 * the connection until the server closes it, then exits. A constant script; host and port are
 * its arguments.
 */
const HOLD_SESSION = `
const [host, port] = process.argv.slice(-2);
const s = require('net').connect(Number(port), host);
s.on('data', (d) => process.stdout.write(d));
s.on('close', () => process.exit(0));
s.on('error', (e) => { console.error(e.message); process.exit(1); });
setTimeout(() => process.exit(2), 20000);
`;

const listening = async (server: NodeHandle, port: number) => (await server.exec(['ss', '-Hltn', `sport = :${port}`])).stdout.trim() !== '';

/** The listener's name as the kernel gives it (after the file it executed): proftpd's acceptor is a node program. */
const LISTENER_COMM: Record<ServerSoftware, string> = { vsftpd: 'vsftpd', 'pure-ftpd': 'pure-ftpd', proftpd: 'node' };

const comm = async (server: NodeHandle, pid: number | string) => (await server.exec(['cat', `/proc/${pid}/comm`])).stdout.trim();

const sessions = async (server: NodeHandle, pid: number) => (await server.exec(['pgrep', '-P', String(pid)])).stdout.split('\n').filter(Boolean);

for (const kind of SERVER_SOFTWARE) {
  test(`${kind}: a session is served by ${kind} itself; endSessions ends a session and keeps the listener; dispose stops it`, async ({ driverName }) => {
    const spec = await loadTopology(`${TOPOLOGIES_DIR}/routed.topo.yaml`);
    const serverSpec = spec.nodes.server!;
    if (serverSpec.kind !== 'ftp-server') throw new Error('routed: server is no ftp-server');
    const topology = await driverFor(driverName).up(spec);
    try {
      const server = topology.node('server');
      const ftp = await startFtpServer(kind, server, serverSpec.ftp);
      const port = serverSpec.ftp.port;
      try {
        expect(ftp.kind).toBe(kind);
        if (!(ftp instanceof FtpServerProcess)) throw new Error(`${kind}: not an FtpServerProcess`);
        const [pid] = ftp.pids as [number];
        // The kernel names a process after the file it executed (ss -p and /proc/PID/exe need
        // ptrace rights a container lacks for proftpd, which runs as nobody).
        expect(await comm(server, pid)).toBe(LISTENER_COMM[kind]);
        expect(await listening(server, port)).toBe(true);

        // A session from the client, across the firewall (no rule set: it forwards everything).
        const client = topology.node('client').spawn(['node', '-e', HOLD_SESSION, server.address('wan'), String(port)]);
        let said = '';
        client.stdout?.on('data', (d) => (said += d));
        const ended = new Promise<number | null>((r) => client.once('exit', r));
        await waitFor(`${kind}'s greeting`, async () => said.includes('\n') && /^220 /m.test(said), { timeoutMs: 10_000 });
        expect(said.split('\n')[0]).toMatch(GREETING[kind]);
        const live = await sessions(server, pid);
        expect(live).not.toEqual([]);
        for (const session of live) expect(await comm(server, session), `session process ${session}`).toBe(kind);

        await ftp.endSessions();
        expect(await ended, 'the client saw the server close the session').toBe(0);
        // Killed sessions are gone once the listener has reaped them.
        await expect.poll(() => sessions(server, pid), { timeout: 5000 }).toEqual([]);
        expect(await listening(server, port)).toBe(true);
      } finally {
        await ftp[Symbol.asyncDispose]();
      }
      expect(await listening(server, port)).toBe(false);
    } finally {
      await topology[Symbol.asyncDispose]();
    }
    expect(await leftovers(topology.id)).toEqual([]);
  });
}

test('a server whose bundle is missing says how to get it', async () => {
  await expect(bundleFile('proftpd', 'usr/sbin/no-such-program')).rejects.toThrow(/proftpd is not unpacked: .*no-such-program is missing; run harness\/setup\/ftp-server-bundles\.sh/);
});
