/**
 * The job a client is given for one transfer against a lab's FTP server: where to dial, how to
 * log in, the pinned mode, the FTPS variant, and what to transfer with what to check it by.
 */
import { basename } from 'node:path';
import type { FtpCommand, Mode, ServerSoftware, TlsMode } from '../model.ts';
import type { FtpServerInfo } from '../nodes/ftp-server.ts';
import type { ProbeJob, TransferSpec } from './probe-protocol.ts';

/** Only a safety net: blocked cells end on drop evidence within milliseconds. */
const PROBE_TIMEOUT_MS = Number(process.env.PINHOLE_PROBE_TIMEOUT_MS ?? 8000);

/** The server a job is for: what it offers, and which software it is (named in errors). */
export interface JobTarget {
  info: FtpServerInfo;
  kind: ServerSoftware;
}

/** Uploads of this process, numbered so that every STOR writes a file of its own and is checked on its own. */
let uploads = 0;

/** One transfer's parameters: RETR checks the test file's sha256, LIST finds its name. */
export function transferSpec(info: FtpServerInfo, command: FtpCommand): TransferSpec {
  if (command === 'RETR') return { command, path: info.testFile.path, expect: info.testFile.sha256 };
  // Uploads are half the test file's size: 128 KiB by default, larger where a topology asks for large transfers.
  if (command === 'STOR') return { command, path: `/upload/transfer-${++uploads}.bin`, uploadBytes: Math.max(1, Math.floor(info.testFile.bytes / 2)) };
  return { command, path: '/', expect: basename(info.testFile.path) };
}

/** The job fields of an FTPS variant; a variant the server does not offer is a suite bug. */
function tlsJob(target: JobTarget, tls: TlsMode): Partial<ProbeJob> {
  if (tls === 'none') return {};
  const offer = target.info.tls;
  const offered = offer && (tls === 'explicit' || (tls === 'implicit' && offer.implicitPort !== undefined) || (tls === 'ccc' && offer.ccc));
  if (!offered) throw new Error(`${target.kind} in this lab does not offer FTPS mode ${tls}`);
  return { tls, tlsCa: offer.ca, ...(tls === 'implicit' ? { port: offer.implicitPort! } : {}) };
}

/**
 * A job dialling `host` on `port` (default the server's control port; a port forward may publish
 * it on another), or implicit FTPS's own port.
 */
export function probeJob(target: JobTarget, host: string, mode: Mode, command: FtpCommand, tls: TlsMode = 'none', port = target.info.port): Omit<ProbeJob, 'id'> {
  const { info } = target;
  return { host, port, user: info.user, password: info.password, mode, timeoutMs: PROBE_TIMEOUT_MS, ...tlsJob(target, tls), ...transferSpec(info, command) };
}
