/** Picks the server implementation for a software name (kept apart from the role to avoid import cycles). */
import type { NodeHandle } from '../drivers/driver.ts';
import type { ServerSoftware } from '../model.ts';
import type { FtpServer, FtpServerSettings, FtpServerStarter } from './ftp-server.ts';
import { ProftpdServer } from './proftpd-server.ts';
import { PureFtpdServer } from './pure-ftpd-server.ts';
import { VsftpdServer } from './vsftpd-server.ts';

const STARTERS: Record<ServerSoftware, FtpServerStarter> = {
  vsftpd: (node, settings) => VsftpdServer.start(node, settings),
  'pure-ftpd': (node, settings) => PureFtpdServer.start(node, settings),
  proftpd: (node, settings) => ProftpdServer.start(node, settings),
};

export function startFtpServer(kind: ServerSoftware, node: NodeHandle, settings: FtpServerSettings): Promise<FtpServer> {
  const start = STARTERS[kind];
  if (!start) throw new Error(`FTP server software ${kind} is not supported (valid: ${Object.keys(STARTERS).join(', ')})`);
  return start(node, settings);
}
