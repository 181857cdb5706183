/** Picks the client implementation for a client kind (kept apart from the role to avoid import cycles). */
import type { NodeHandle } from '../drivers/driver.ts';
import type { ClientKind } from '../model.ts';
import type { FtpClient } from './ftp-client.ts';
import { ProbeAgentClient } from './probe-agent-client.ts';

const STARTERS: Partial<Record<ClientKind, (node: NodeHandle) => Promise<FtpClient>>> = {
  probe: (node) => ProbeAgentClient.start(node),
};

export function startFtpClient(kind: ClientKind, node: NodeHandle): Promise<FtpClient> {
  const start = STARTERS[kind];
  if (!start) throw new Error(`FTP client ${kind} is not supported yet`);
  return start(node);
}
