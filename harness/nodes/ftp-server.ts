/**
 * The FTP server role: every server software pinhole runs (vsftpd, pure-ftpd, proftpd) is
 * configured equivalently (anonymous login, a test file of known sha256, an upload directory,
 * the topology's control port and pinned passive range) and answers the same questions, so a
 * lab does not care which one it runs.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import type { ServerSoftware } from '../model.ts';
import type { TlsCertificate } from './tls-certificate.ts';

export interface FtpServerSettings {
  port: number;
  passivePorts: { min: number; max: number };
  /** Announced in 227 replies instead of the server's own address (behind a port forward). */
  pasvAddress?: string | undefined;
  /** The server has an IPv6 address: listen on both families. */
  listenIpv6?: boolean;
  /** The server node's own addresses: a server told them looks up no host name (proftpd would). */
  addresses?: readonly string[];
  /** FTPS: the certificate to serve, and where implicit TLS listens (a server may offer less). */
  tls?: { cert: TlsCertificate; implicitPort: number } | undefined;
  /** Size of the test file RETR downloads; default 256 KiB. Only `npm run bench` asks for more (throughput). */
  testFileBytes?: number | undefined;
}

/** What a client needs to know to use the server and check its transfers. */
export interface FtpServerInfo {
  node: string;
  port: number;
  user: string;
  password: string;
  testFile: { path: string; sha256: string; bytes: number };
  uploadDir: string;
  /** FTPS as this server offers it: explicit AUTH TLS always, implicit and CCC where it can. */
  tls?: { ca: string; implicitPort?: number; ccc: boolean };
}

export interface FtpServer extends AsyncDisposable {
  readonly kind: ServerSoftware;
  readonly info: FtpServerInfo;
  /** The server's own log (evidence for reports). */
  readonly logFile: string;
  /**
   * Ends every FTP session but keeps the listener: an aborted cell's session may still be
   * dialling its data connection and must not send packets into the next cell.
   */
  endSessions(): Promise<void>;
  /** The listeners' pids as the node sees them. */
  readonly pids: number[];
  /**
   * Why the server no longer serves (`vsftpd (pid 812 in node server, port 21) killed by
   * SIGKILL`), or undefined while it does. `look`: also ask the node whether every listener
   * still listens, not only what the harness already heard.
   */
  gone(look?: boolean): Promise<string | undefined>;
  /** sha256 of a file a STOR left in the upload directory (checked inside the node). */
  storedSha256(name: string): Promise<string | undefined>;
}

export type FtpServerStarter = (node: NodeHandle, settings: FtpServerSettings) => Promise<FtpServer>;
