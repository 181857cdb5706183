/**
 * FTP reply and command text (RFC 959, RFC 2428). Written by hand because the probe must run
 * inside a node with nothing but Node.js, and because these few formats are exactly what the
 * conntrack helper parses too: the probe has to produce them the way real clients do.
 */

export interface Reply {
  code: number;
  /** All lines of the reply joined with `\n`, codes included. */
  text: string;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`: port is p1*256+p2. */
export function parse227(text: string): Endpoint {
  return parseHostPortNumbers(text, '227 reply');
}

/** The argument of a `PORT` command a client sent (`PORT h1,h2,h3,h4,p1,p2`): the same six numbers as a 227. */
export function parsePortArgument(text: string): Endpoint {
  return parseHostPortNumbers(text, 'PORT command');
}

function parseHostPortNumbers(text: string, what: string): Endpoint {
  const m = /(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3})/.exec(text);
  if (!m) throw new Error(`cannot parse ${what}: ${text}`);
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) throw new Error(`cannot parse ${what} (number above 255): ${text}`);
  const [h1, h2, h3, h4, p1, p2] = n as [number, number, number, number, number, number];
  return { host: `${h1}.${h2}.${h3}.${h4}`, port: p1 * 256 + p2 };
}

/** `229 Entering Extended Passive Mode (|||port|)`: the delimiter is the first character inside the parentheses. */
export function parse229(text: string): number {
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(text);
  if (!m) throw new Error(`cannot parse 229 reply: ${text}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`cannot parse 229 reply (port out of range): ${text}`);
  return port;
}

/** The argument of `PORT`: `h1,h2,h3,h4,p1,p2` (IPv4 only). */
export function formatPortArgument(host: string, port: number): string {
  const octets = host.split('.');
  if (octets.length !== 4) throw new Error(`PORT needs an IPv4 address, got ${host}`);
  return [...octets, Math.floor(port / 256), port % 256].join(',');
}

/** The argument of `EPRT`: `|1|addr|port|` for IPv4, `|2|addr|port|` for IPv6. */
export function formatEprtArgument(host: string, port: number): string {
  return `|${host.includes(':') ? 2 : 1}|${host}|${port}|`;
}

/** Reads an `EPRT` argument back (RFC 2428: any delimiter, used consistently; 1 = IPv4, 2 = IPv6). */
export function parseEprtArgument(text: string): Endpoint {
  const m = /(.)([12])\1([0-9A-Fa-f.:]+)\1(\d{1,5})\1/.exec(text);
  if (!m) throw new Error(`cannot parse EPRT argument: ${text}`);
  const port = Number(m[4]);
  if (port < 1 || port > 65535) throw new Error(`cannot parse EPRT argument (port out of range): ${text}`);
  return { host: m[3]!, port };
}

/**
 * Splits a control-channel byte stream into replies. A multi-line reply starts `123-` and ends
 * with a line `123 `; lines in between may be anything.
 */
export class ReplyReader {
  private buffer = '';
  private pending: string[] = [];
  private firstCode: string | undefined;

  /** Feeds received text; returns the replies it completed. */
  push(chunk: string): Reply[] {
    this.buffer += chunk;
    const done: Reply[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.pending.push(line);
      const code = line.slice(0, 3);
      if (this.firstCode === undefined) {
        if (!/^\d{3}[ -]/.test(line) && !/^\d{3}$/.test(line)) continue;
        this.firstCode = code;
      }
      if (code === this.firstCode && (line[3] === ' ' || line.length === 3)) {
        done.push({ code: Number(code), text: this.pending.join('\n') });
        this.pending = [];
        this.firstCode = undefined;
      }
    }
    return done;
  }
}
