/**
 * Reads `curl -v` output (curl 7.88) line by line into session events. curl prefixes control
 * traffic with `> ` and `< ` and its own notes with `* `; only the notes that carry a fact the
 * harness needs are read, the rest (progress, `{ [65536 bytes data]`) is ignored.
 */
import { connectionFailureKind, type ClientEvent } from './client-session.ts';

/** `* Connected to 203.0.113.10 (203.0.113.10) port 21 (#0)`: host, numeric address, port. */
const CONNECTED = /^\* Connected to \S+ \(([^)]+)\) port (\d+)/;
/** `* Connecting to 203.0.113.10 (203.0.113.10) port 50004`: the passive data connection. */
const CONNECTING_DATA = /^\* Connecting to \S+ \(([^)]+)\) port (\d+)/;
/** `* connect to 203.0.113.10 port 50006 failed: Connection refused` (control or data). */
const CONNECT_FAILED = /^\* connect to (\S+) port (\d+) failed: (.+)$/;
/** curl's announcements that it leaves the extended mode for the old one. */
const FALLBACKS = [/^\* (disabling EPRT usage)/, /^\* (Failed EPSV attempt\. Disabling EPSV)/];
/** `curl: (7) Failed to connect ...`: the final error message. */
const FINAL_ERROR = /^curl: \(\d+\) .*/;

/** A reader for one curl run: it keeps the one fact that gives a line its meaning. */
export function curlLineReader(): (line: string) => ClientEvent[] {
  // curl prints "Connected to <control peer> ... port 21" again when the passive data connection
  // is up (it names the connection, not the socket): after "Connecting to" it means the data one.
  let dialingData = false;
  return (line) => {
    if (line.startsWith('> ')) return [{ type: 'sent', line: line.slice(2) }];
    if (line.startsWith('< ')) return [{ type: 'received', line: line.slice(2) }];
    let m = CONNECTING_DATA.exec(line);
    if (m) {
      dialingData = true;
      return [{ type: 'data-connecting', to: { host: m[1]!, port: Number(m[2]) } }];
    }
    m = CONNECTED.exec(line);
    if (m) {
      if (!dialingData) return [{ type: 'control-connected', peer: { host: m[1]!, port: Number(m[2]) } }];
      dialingData = false;
      return [{ type: 'data-connected', detail: 'established' }];
    }
    if (line === '* Connection accepted from server') return [{ type: 'data-connected', detail: 'accepted from the server' }];
    m = CONNECT_FAILED.exec(line);
    if (m) return [{ type: 'connection-failed', kind: connectionFailureKind(m[3]!), detail: `connect to ${m[1]}:${m[2]} failed: ${m[3]}` }];
    for (const f of FALLBACKS) {
      m = f.exec(line);
      if (m) return [{ type: 'fallback', detail: m[1]! }];
    }
    if (FINAL_ERROR.test(line)) return [{ type: 'note', text: line }];
    return [];
  };
}
