/**
 * The FTP client role: the pinned probe, curl and lftp all take the same job and answer the same
 * report (probe-protocol.ts), so classification and drop attribution do not care which client ran.
 * A client must announce the data endpoint through `onEndpoint` as soon as it knows it, before
 * any data packet is sent, or the harness cannot tell the cell's own drops from stray ones.
 */
import type { ClientName } from '../model.ts';
import type { ProbeJob, ProbeReport } from './probe-protocol.ts';

export type Endpoint = { host: string; port: number };

export interface FtpClient extends AsyncDisposable {
  readonly kind: ClientName;
  /** Starts a job; `abort(id)` (the returned id) cuts it short with the phases recorded so far. */
  run(job: Omit<ProbeJob, 'id'>, onEndpoint?: (e: Endpoint) => void): { id: number; report: Promise<ProbeReport> };
  abort(id: number): void;
}
