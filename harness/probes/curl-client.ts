/**
 * curl (7.88) as an FTP client. It can pin all four modes on IPv4:
 *   PORT  -P - --disable-eprt      (`-`: the address the control connection leaves from)
 *   EPRT  -P -                     curl falls back to PORT when EPRT gets an error reply
 *   PASV  --ftp-pasv --disable-epsv
 *   EPSV  --ftp-pasv               curl falls back to PASV when EPSV gets an error reply, or
 *                                  when the EPSV data connection fails
 * The fallbacks cannot be switched off, so the session (client-session.ts) fails the run at the
 * error reply or failed connection that would trigger one, and at any other mode command.
 *
 * Otherwise curl keeps its defaults, as users run it: it ignores the address in a 227 reply and
 * dials the control connection's peer (--ftp-skip-pasv-ip, the default since 7.74), and it
 * sends PWD, TYPE and SIZE around the transfer.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import type { Family, Mode } from '../model.ts';
import type { ClientSession } from './client-session.ts';
import { curlLineReader } from './curl-output.ts';
import type { FailureKind, ProbeFailure, ProbeJob } from './probe-protocol.ts';
import { pinnableModes } from './client-modes.ts';
import { SpawnedFtpClient, type JobFiles } from './spawned-ftp-client.ts';
import { endpoint } from '../topology/dual-stack.ts';

const MODE_OPTIONS: Record<Mode, readonly string[]> = {
  PORT: ['-P', '-', '--disable-eprt'],
  EPRT: ['-P', '-'],
  PASV: ['--ftp-pasv', '--disable-epsv'],
  EPSV: ['--ftp-pasv'],
};

/**
 * curl's exit codes for FTP (man curl, "EXIT CODES"). `reply`: the server said no, and its
 * last error reply says what; the others carry their own kind.
 */
const EXIT_CODES: Record<number, { kind: FailureKind; what: string }> = {
  6: { kind: 'error', what: 'could not resolve the host' },
  7: { kind: 'refused', what: 'failed to connect' },
  8: { kind: 'reply', what: 'weird server reply' },
  9: { kind: 'reply', what: 'access to the remote directory denied' },
  10: { kind: 'error', what: 'accepting the active data connection failed' },
  12: { kind: 'timeout', what: 'the server did not connect back in time' },
  13: { kind: 'reply', what: 'bad PASV/EPSV reply' },
  14: { kind: 'protocol', what: 'cannot parse the 227 reply' },
  15: { kind: 'error', what: 'cannot use the host in the 227 reply' },
  17: { kind: 'reply', what: 'could not set the transfer type' },
  18: { kind: 'reset', what: 'partial file: the transfer ended early' },
  19: { kind: 'reply', what: 'RETR failed' },
  23: { kind: 'error', what: 'could not write the download locally' },
  25: { kind: 'reply', what: 'STOR failed' },
  26: { kind: 'error', what: 'could not read the upload locally' },
  28: { kind: 'timeout', what: 'operation timed out' },
  30: { kind: 'reply', what: 'PORT/EPRT failed' },
  55: { kind: 'reset', what: 'failed sending network data' },
  56: { kind: 'reset', what: 'failure receiving network data' },
  67: { kind: 'reply', what: 'login denied' },
  78: { kind: 'reply', what: 'the remote file was not found' },
};

/** The job's FTP URL; the path is percent-encoded, so curl's URL globbing never sees `[]{}`. */
function ftpUrl(job: ProbeJob): string {
  return `ftp://${endpoint(job.host, job.port)}${job.path.split('/').map(encodeURIComponent).join('/')}`;
}

export class CurlClient extends SpawnedFtpClient {
  readonly kind = 'curl';

  static async start(node: NodeHandle): Promise<CurlClient> {
    return new CurlClient(node, await SpawnedFtpClient.prepare(node, 'curl', 'curl'));
  }

  pinnableModes(family: Family): readonly Mode[] {
    return pinnableModes('curl', family);
  }

  protected argv(job: ProbeJob, files: JobFiles): string[] {
    const transfer = { RETR: ['-o', files.download], STOR: ['-T', files.upload], LIST: [] }[job.command];
    // --max-time is a second line of defence only: the harness stops the run at job.timeoutMs.
    const maxTime = String((job.timeoutMs + 2000) / 1000);
    return ['curl', '-v', '-sS', '--max-time', maxTime, '--user', `${job.user}:${job.password}`, ...MODE_OPTIONS[job.mode], ...transfer, ftpUrl(job)];
  }

  protected lineReader() {
    return curlLineReader();
  }

  protected exitFailure(code: number | null, session: ClientSession): ProbeFailure {
    return curlExitFailure(code, session);
  }
}

/** Why curl exited non-zero: its exit code says which kind, the last error reply what the server said. */
export function curlExitFailure(code: number | null, session: ClientSession): ProbeFailure {
  const known = code === null ? undefined : EXIT_CODES[code];
  const detail = `curl exit ${code ?? 'by signal'}${known ? ` (${known.what})` : ''}`;
  if (known?.kind === 'reply') return session.replyFailure(detail) ?? { phase: session.phase, kind: 'error', detail };
  return { phase: session.phase, kind: known?.kind ?? 'error', detail };
}
