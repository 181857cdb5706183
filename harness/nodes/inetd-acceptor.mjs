// A minimal inetd for one port: accepts TCP connections and starts PROGRAM for each one with
// the connection as its standard input and output, as inetd(8) does for `nowait` services.
//
//   node inetd-acceptor.mjs PORT PROGRAM [ARG...]
//
// Why: proftpd 1.3.8 (Debian bookworm) in standalone mode sleeps 0.2 s whenever SIGCHLD, the
// end of a session, interrupts its accept loop (PR_TUNABLE_EINTR_RETRY_INTERVAL; seen twice per
// session with strace), so a cell that follows another waited about 0.4 s for its greeting: a
// proftpd cell cost eight vsftpd cells. Fixed upstream after 1.3.8 (proftpd issue #1623). Run by inetd
// (`ServerType inetd`), proftpd serves every session exactly as its forked standalone children
// do, and no listener of its own waits. Debian's inetd daemons are host services, and pinhole
// starts nothing on the host, so the node gets this one; plain JavaScript, like the node agent.
//
// The program is started with argv (no shell). Its standard error is this process's own.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const [portText, program, ...args] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !program) {
  process.stderr.write('usage: inetd-acceptor.mjs PORT PROGRAM [ARG...]\n');
  process.exit(2);
}

const server = createServer({ pauseOnConnect: true }, (socket) => {
  try {
    // The child gets its own copy of the connection; closing ours neither reads from nor ends it.
    const child = spawn(program, args, { stdio: [socket, socket, 'inherit'] });
    child.on('error', (err) => process.stderr.write(`inetd-acceptor: ${program}: ${err.message}\n`));
  } catch (err) {
    process.stderr.write(`inetd-acceptor: ${program}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  socket.destroy();
});

function listen(host) {
  server.once('error', (err) => {
    // A node without IPv6 has no dual-stack socket to offer: IPv4 alone then.
    if (host === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) return listen('0.0.0.0');
    process.stderr.write(`inetd-acceptor: cannot listen on port ${port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen({ port, host, ipv6Only: false });
}
listen('::');
