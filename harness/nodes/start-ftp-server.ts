/** Picks the server implementation for a software name (kept apart from the role to avoid import cycles). */
import type { NodeHandle } from '../drivers/driver.ts';
import type { ServerKind } from '../model.ts';
import type { FtpServer, FtpServerSettings, FtpServerStarter } from './ftp-server.ts';
import { VsftpdServer } from './vsftpd-server.ts';

const STARTERS: Partial<Record<ServerKind, FtpServerStarter>> = {
  vsftpd: (node, settings) => VsftpdServer.start(node, settings),
};

export function startFtpServer(kind: ServerKind, node: NodeHandle, settings: FtpServerSettings): Promise<FtpServer> {
  const start = STARTERS[kind];
  if (!start) throw new Error(`FTP server software ${kind} is not supported yet`);
  return start(node, settings);
}
