// Reading real clients' verbose output into phases, endpoints and failures. Every fixture under
// fixtures/clients/ is real stderr of curl 7.88.1 (`-v`) or lftp 4.9.2 (`-d`), captured on the
// routed topology with the harness's own argv; a fixture cut short ends where the harness
// stopped the client. Servers other than the lab's vsftpd: `*-by-server` and `lftp-epsv-not-in-feat`
// ran against a vsftpd with pasv_enable=NO and port_enable=NO (its FEAT then lists neither
// PASV nor EPSV), `*-login-with-password` and `lftp-epsv-refused-500` against a scripted server
// that asks for a password or answers EPSV with 500.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ClientSession, type ClientEvent } from '../../harness/probes/client-session.ts';
import { curlExitFailure } from '../../harness/probes/curl-client.ts';
import { curlLineReader } from '../../harness/probes/curl-output.ts';
import type { Endpoint } from '../../harness/probes/ftp-client.ts';
import { lftpExitFailure } from '../../harness/probes/lftp-client.ts';
import { lftpLineReader } from '../../harness/probes/lftp-output.ts';
import type { FtpCommand, Mode } from '../../harness/model.ts';

const READERS = { curl: curlLineReader, lftp: lftpLineReader };

/** Feeds a captured output through the client's line reader into a session, as a run does. */
function replay(fixture: string, mode: Mode, command: FtpCommand = 'RETR') {
  const client = fixture.startsWith('curl') ? 'curl' : 'lftp';
  const announced: Endpoint[] = [];
  const session = new ClientSession({ mode, command }, client, (e) => announced.push(e));
  const read: (line: string) => ClientEvent[] = READERS[client]();
  const lines = readFileSync(new URL(`../fixtures/clients/${fixture}.txt`, import.meta.url), 'utf8').trimEnd().split('\n');
  for (const line of lines) for (const event of read(line)) session.feed(event);
  return { session, announced, phases: session.phases.map((p) => `${p.phase}${p.ok ? '' : ' FAILED'}`) };
}

const COMPLETE = ['control-connect', 'greeting', 'login', 'mode', 'data-connect', 'transfer'];

test.describe('passing transfers: every phase, the endpoint announced once', () => {
  const cases: Array<[fixture: string, mode: Mode, command: FtpCommand, endpoint: Endpoint]> = [
    ['curl-epsv-retr-pass', 'EPSV', 'RETR', { host: '203.0.113.10', port: 50010 }],
    ['curl-pasv-list-pass', 'PASV', 'LIST', { host: '203.0.113.10', port: 50009 }],
    ['curl-eprt-stor-pass', 'EPRT', 'STOR', { host: '192.168.10.10', port: 35699 }],
    ['curl-port-retr-pass', 'PORT', 'RETR', { host: '192.168.10.10', port: 229 * 256 + 213 }],
    ['lftp-port-retr-pass', 'PORT', 'RETR', { host: '192.168.10.10', port: 174 * 256 + 145 }],
    ['lftp-pasv-list-pass', 'PASV', 'LIST', { host: '203.0.113.10', port: 50006 }],
  ];
  for (const [fixture, mode, command, endpoint] of cases) {
    test(fixture, () => {
      const { session, announced, phases } = replay(fixture, mode, command);
      expect(session.failure).toBeNull();
      expect(session.transferred).toBe(true);
      expect(phases).toEqual(COMPLETE);
      expect(announced).toEqual([endpoint]);
      expect(session.dataEndpoint).toEqual(endpoint);
    });
  }

  test('lftp may read 150 and 226 before it accepts the active data connection: still a transfer', () => {
    const { session, phases } = replay('lftp-port-list-reply-before-accept', 'PORT', 'LIST');
    expect(session.failure).toBeNull();
    expect(session.transferred).toBe(true);
    expect(phases).toEqual(COMPLETE);
  });

  test('the transcript keeps control lines as "> " and "< ", multi-line replies line by line', () => {
    const { session } = replay('lftp-pasv-list-pass', 'PASV', 'LIST');
    expect(session.transcript.slice(0, 4)).toEqual(['< 220 pinhole vsftpd ready', '> FEAT', '< 211-Features:', '<  EPRT']);
    expect(session.transcript).toContain('> LIST /');
    expect(session.transcript).toContain('# lftp: connecting the data connection to 203.0.113.10:50006');
  });
});

test.describe('passwords never reach the transcript', () => {
  for (const fixture of ['curl-login-with-password', 'lftp-login-with-password']) {
    test(fixture, () => {
      const { session, phases } = replay(fixture, 'PASV');
      expect(session.transcript).toContain('> PASS ****');
      expect(session.transcript.join('\n')).not.toContain('secret-pw');
      expect(phases.slice(0, 3)).toEqual(['control-connect', 'greeting', 'login']);
    });
  }
});

test.describe('blocked transfers: the endpoint is known before the client is stopped', () => {
  const cases: Array<[fixture: string, mode: Mode, endpoint: Endpoint]> = [
    ['curl-epsv-blocked', 'EPSV', { host: '203.0.113.10', port: 50001 }],
    ['curl-port-blocked', 'PORT', { host: '192.168.10.10', port: 170 * 256 + 187 }],
    ['lftp-epsv-blocked', 'EPSV', { host: '203.0.113.10', port: 50006 }],
  ];
  for (const [fixture, mode, endpoint] of cases) {
    test(fixture, () => {
      const { session, announced } = replay(fixture, mode);
      expect(announced).toEqual([endpoint]);
      // The output alone shows no failure: the harness decides from the traced drop and stops it.
      expect(session.failure).toBeNull();
      expect(session.phase).toBe('data-connect');
    });
  }
});

test.describe('a refused mode command fails the pinned mode, whatever the client does next', () => {
  const cases: Array<[fixture: string, mode: Mode, reply: string]> = [
    // curl went on to PORT after this; the session failed at the 500 to EPRT.
    ['curl-eprt-refused', 'EPRT', '500 Illegal EPRT command.'],
    ['curl-port-refused', 'PORT', '500 Illegal PORT command.'],
    // curl went on to PASV after this.
    ['curl-epsv-refused-by-server', 'EPSV', '550 Permission denied.'],
    ['curl-pasv-refused-by-server', 'PASV', '550 Permission denied.'],
    ['lftp-port-refused', 'PORT', '500 Illegal PORT command.'],
    // lftp reconnects and uses PASV after a 500 to EPSV (here net:max-retries 1 stopped it first).
    ['lftp-epsv-refused-500', 'EPSV', '500 Unknown command.'],
  ];
  for (const [fixture, mode, reply] of cases) {
    test(fixture, () => {
      const { session, phases } = replay(fixture, mode);
      expect(session.failure).toEqual({ phase: 'mode', kind: 'reply', detail: `${mode} refused: ${reply}`, reply, replyCode: Number(reply.slice(0, 3)) });
      expect(phases.at(-1)).toBe('mode FAILED');
      expect(phases.filter((p) => p.endsWith('FAILED'))).toHaveLength(1);
    });
  }

  test('lftp sends PASV when FEAT does not list EPSV: not the pinned mode', () => {
    const { session } = replay('lftp-epsv-not-in-feat', 'EPSV');
    expect(session.failure).toMatchObject({ phase: 'mode', kind: 'protocol', detail: 'lftp sent PASV instead of EPSV: not the pinned mode' });
  });
});

test.describe('connections that fail', () => {
  test('curl: a refused EPSV data connection, then its fallback to PASV (ignored)', () => {
    const { session, announced } = replay('curl-epsv-data-refused', 'EPSV');
    expect(session.failure).toEqual({ phase: 'data-connect', kind: 'refused', detail: 'connect to 203.0.113.10:50003 failed: Connection refused' });
    // The fallback's PASV endpoint is announced too; it cannot change the first failure.
    expect(announced[0]).toEqual({ host: '203.0.113.10', port: 50003 });
  });
  test('lftp: a refused data connection', () => {
    const { session } = replay('lftp-epsv-data-refused', 'EPSV');
    expect(session.failure).toEqual({ phase: 'data-connect', kind: 'refused', detail: 'Data socket error (Connection refused) - reconnecting' });
  });
  test('curl and lftp: a refused control connection', () => {
    expect(replay('curl-control-refused', 'EPSV').session.failure).toMatchObject({ phase: 'control-connect', kind: 'refused' });
    expect(replay('lftp-control-refused', 'EPSV').session.failure).toMatchObject({ phase: 'control-connect', kind: 'refused' });
  });
});

test.describe('exit codes when the output names no failure', () => {
  test('lftp: a refused STOR is a reply failure in the transfer phase', () => {
    const { session } = replay('lftp-epsv-stor-refused', 'EPSV', 'STOR');
    expect(session.failure).toBeNull();
    const f = lftpExitFailure(1, session);
    expect(f).toMatchObject({ phase: 'transfer', kind: 'reply', replyCode: 553, reply: '553 Could not create file.' });
    expect(f.detail).toMatch(/^lftp exit 1: put: .*Access failed: 553 Could not create file\. \(\/upload\/capture\.bin\): 553 Could not create file\.$/);
  });
  test('curl 13 after EPSV and PASV were refused: the last error reply', () => {
    // curl-pasv-refused-by-server exited 13; its session already failed at the refused PASV.
    const { session } = replay('curl-pasv-refused-by-server', 'PASV');
    expect(curlExitFailure(13, session)).toMatchObject({ phase: 'mode', kind: 'reply', replyCode: 550, detail: 'curl exit 13 (bad PASV/EPSV reply): 550 Permission denied.' });
  });
  test('curl 28 is a timeout in the phase the output reached', () => {
    const { session } = replay('curl-epsv-blocked', 'EPSV');
    expect(curlExitFailure(28, session)).toEqual({ phase: 'data-connect', kind: 'timeout', detail: 'curl exit 28 (operation timed out)' });
  });
});
