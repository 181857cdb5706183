/**
 * Reads `lftp -d` output (lftp 4.9) line by line into session events. lftp prefixes commands
 * with `---> `, replies with `<--- `, notes with `---- ` and errors with `**** `; its final
 * error message (`get: /file: Fatal error: ...`) has no prefix.
 */
import type { Endpoint } from './ftp-client.ts';
import { connectionFailureKind, type ClientEvent } from './client-session.ts';

/** `---- Connecting to 203.0.113.10 (203.0.113.10) port 21`: the control connection. */
const CONNECTING_CONTROL = /^---- Connecting to \S+ \(([^)]+)\) port (\d+)/;
/** `---- Connecting data socket to (203.0.113.10) port 50004`: the passive data connection. */
const CONNECTING_DATA = /^---- Connecting data socket to \(([^)]+)\) port (\d+)/;
/** `---- Accepted data connection from (203.0.113.10) port 20`: the active data connection. */
const ACCEPTED_DATA = /^---- Accepted data connection from \(([^)]+)\) port (\d+)/;
/** `**** Socket error (Connection refused) - reconnecting`, `**** Data socket error (...)`. */
const SOCKET_ERROR = /^\*\*\*\* (?:Data )?[Ss]ocket error \((.+)\) - reconnecting/;
/** lftp's own auto-passive-mode switch: pinned runs turn it off, so this is a pinning failure. */
const MODE_SWITCH = /^---- (Switching passive mode (?:on|off))/;
/** `get: /pinhole-test.bin: Fatal error: max-retries exceeded (...)`: the command's final error. */
const FINAL_ERROR = /^(?:get|put|ls): .*/;

/** A reader for one lftp run: it remembers the control peer until the first reply proves the connection. */
export function lftpLineReader(): (line: string) => ClientEvent[] {
  let peer: Endpoint | undefined;
  let connected = false;
  return (line) => {
    if (line.startsWith('---> ')) return [{ type: 'sent', line: line.slice(5) }];
    if (line.startsWith('<--- ')) {
      const received: ClientEvent = { type: 'received', line: line.slice(5) };
      if (connected || !peer) return [received];
      connected = true;
      return [{ type: 'control-connected', peer }, received];
    }
    let m = CONNECTING_CONTROL.exec(line);
    if (m) {
      peer = { host: m[1]!, port: Number(m[2]) };
      return [];
    }
    m = CONNECTING_DATA.exec(line);
    if (m) return [{ type: 'data-connecting', to: { host: m[1]!, port: Number(m[2]) } }];
    if (line === '---- Data connection established') return [{ type: 'data-connected', detail: 'established' }];
    m = ACCEPTED_DATA.exec(line);
    if (m) return [{ type: 'data-connected', detail: `accepted from ${m[1]}:${m[2]}` }];
    m = SOCKET_ERROR.exec(line);
    if (m) return [{ type: 'connection-failed', kind: connectionFailureKind(m[1]!), detail: line.slice(5) }];
    if (line === '**** Timeout - reconnecting') return [{ type: 'connection-failed', kind: 'timeout', detail: 'no progress within net:timeout' }];
    m = MODE_SWITCH.exec(line);
    if (m) return [{ type: 'fallback', detail: m[1]! }];
    if (FINAL_ERROR.test(line)) return [{ type: 'note', text: line }];
    return [];
  };
}
