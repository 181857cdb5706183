/**
 * lftp (4.9) as an FTP client. It can pin three modes on IPv4:
 *   PORT  ftp:passive-mode off
 *   PASV  ftp:passive-mode on,  ftp:prefer-epsv off
 *   EPSV  ftp:passive-mode on,  ftp:prefer-epsv on   (only when FEAT lists EPSV; otherwise lftp
 *         sends PASV, and after a 500/502 to EPSV it reconnects and uses PASV)
 * and never EPRT: lftp sends EPRT only for an IPv6 data socket (ftpclass.cc writes PORT for
 * AF_INET and for v4-mapped addresses), and no setting changes that.
 * `ftp:auto-passive-mode off` stops it from switching between active and passive by itself;
 * the session (client-session.ts) fails the run at any other mode command all the same.
 *
 * lftp takes its settings and transfer as a command script (`-e`), so the script is built from
 * constants plus values the harness generated and checks here (paths, a number): nothing from a
 * topology or a user reaches it. Host, port and credentials go as argv options.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import type { Family, Mode } from '../model.ts';
import type { ClientSession } from './client-session.ts';
import { lftpLineReader } from './lftp-output.ts';
import type { ProbeFailure, ProbeJob } from './probe-protocol.ts';
import { pinnableModes } from './client-modes.ts';
import { SpawnedFtpClient, type JobFiles } from './spawned-ftp-client.ts';

const MODE_SETTINGS: Partial<Record<Mode, string>> = {
  PORT: 'set ftp:passive-mode off',
  PASV: 'set ftp:passive-mode on; set ftp:prefer-epsv off',
  EPSV: 'set ftp:passive-mode on; set ftp:prefer-epsv on',
};

/**
 * Settings for a run that shows the first failure instead of hiding it: one try (lftp retries
 * up to 1000 times by default, with reconnects 15 s apart), no switching modes by itself, no
 * TLS attempt (the cell is plain FTP; lftp tries AUTH TLS first for any user but anonymous),
 * overwrite (lftp refuses to replace a local file by default).
 */
const RUN_SETTINGS = 'set net:max-retries 1; set ftp:auto-passive-mode off; set ftp:ssl-allow off; set xfer:clobber on';

/**
 * What may stand in the script: absolute paths of letters, digits, `._-` and `/`. None of
 * lftp's special characters (space, quotes, `;`, `&`, `|`, `>`, `!`, `$`, `\`, `*`, `?`) fits.
 */
const SCRIPT_SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;
/** `-u user,password` splits at the first comma: neither may hold one. */
const CREDENTIAL = /^[A-Za-z0-9._@+-]+$/;

function scriptPath(path: string, what: string): string {
  if (!SCRIPT_SAFE_PATH.test(path)) throw new Error(`lftp: refusing ${what} ${JSON.stringify(path)} in a command script (allowed: ${SCRIPT_SAFE_PATH})`);
  return path;
}

/** lftp's messages for a failed command: `Fatal error: max-retries exceeded (500 Illegal PORT command.)`. */
const REPLY_IN_MESSAGE = /\((\d{3}) [^)]*\)\s*$|(?:Access failed|Login failed): (\d{3}) /;

export class LftpClient extends SpawnedFtpClient {
  readonly kind = 'lftp';

  static async start(node: NodeHandle): Promise<LftpClient> {
    return new LftpClient(node, await SpawnedFtpClient.prepare(node, 'lftp', 'lftp'));
  }

  pinnableModes(family: Family): readonly Mode[] {
    return pinnableModes('lftp', family);
  }

  protected argv(job: ProbeJob, files: JobFiles): string[] {
    if (!CREDENTIAL.test(job.user) || !CREDENTIAL.test(job.password)) throw new Error('lftp: user and password must match ' + String(CREDENTIAL));
    const remote = scriptPath(job.path, 'remote path');
    const transfer = {
      RETR: `get ${remote} -o ${scriptPath(files.download, 'local path')}`,
      STOR: `put ${scriptPath(files.upload, 'local path')} -o ${remote}`,
      LIST: `ls ${remote}`,
    }[job.command];
    const mode = MODE_SETTINGS[job.mode];
    if (!mode) throw new Error(`lftp cannot pin ${job.mode}`);
    // net:timeout is a second line of defence only: the harness stops the run at job.timeoutMs.
    const timeout = `set net:timeout ${Math.ceil(job.timeoutMs / 1000) + 2}`;
    // `quit` without a code exits with the transfer command's status.
    const script = [RUN_SETTINGS, timeout, mode, transfer, 'quit'].join('; ');
    return ['lftp', '-d', '-u', `${job.user},${job.password}`, '-p', String(job.port), '-e', script, job.host];
  }

  protected lineReader() {
    return lftpLineReader();
  }

  protected exitFailure(code: number | null, session: ClientSession): ProbeFailure {
    return lftpExitFailure(code, session);
  }
}

/** lftp exits 1 for every failure: its final message says whether a server reply was the cause. */
export function lftpExitFailure(code: number | null, session: ClientSession): ProbeFailure {
  const message = session.lastMessage;
  const detail = `lftp exit ${code ?? 'by signal'}${message ? `: ${message}` : ''}`;
  if (message && REPLY_IN_MESSAGE.test(message)) return session.replyFailure(detail) ?? { phase: session.phase, kind: 'error', detail };
  return { phase: session.phase, kind: 'error', detail };
}
