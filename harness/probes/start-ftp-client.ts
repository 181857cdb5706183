/** Picks the client implementation for a client kind (kept apart from the role to avoid import cycles). */
import type { NodeHandle } from '../drivers/driver.ts';
import type { ClientName } from '../model.ts';
import { CurlClient } from './curl-client.ts';
import type { FtpClient } from './ftp-client.ts';
import { LftpClient } from './lftp-client.ts';
import { ProbeAgentClient } from './probe-agent-client.ts';

const STARTERS: Record<ClientName, (node: NodeHandle) => Promise<FtpClient>> = {
  probe: (node) => ProbeAgentClient.start(node),
  curl: (node) => CurlClient.start(node),
  lftp: (node) => LftpClient.start(node),
};

export function startFtpClient(kind: ClientName, node: NodeHandle): Promise<FtpClient> {
  const start = STARTERS[kind] as ((node: NodeHandle) => Promise<FtpClient>) | undefined;
  if (!start) throw new Error(`unknown FTP client ${JSON.stringify(kind)}; valid clients: ${Object.keys(STARTERS).join(', ')}`);
  return start(node);
}
