/**
 * What the harness sends the probe agent and what it answers, one JSON object a line.
 * Only types: the agent side must stay dependency-free.
 */
import type { FtpCommand, Mode, TlsMode } from '../model.ts';
import type { PhaseRecord } from '../cell-contract.ts';

/** One transfer: RETR a file, STOR a name, or LIST a directory. */
export interface TransferSpec {
  command: FtpCommand;
  /** RETR: file to download; STOR: name to store; LIST: directory to list. */
  path: string;
  /** RETR: sha256 the download must have. LIST: a name the listing must contain. */
  expect?: string;
  /** STOR: bytes of random data to upload. */
  uploadBytes?: number;
}

export interface ProbeJob {
  id: number;
  host: string;
  port: number;
  user: string;
  password: string;
  mode: Mode;
  command: FtpCommand;
  /** FTPS: `explicit` AUTH TLS on the control port, `ccc` the same then back to clear text after login, `implicit` TLS from the first byte. */
  tls?: TlsMode;
  /** PEM of the certificate a TLS server must present (generated for this run). */
  tlsCa?: string;
  /** RETR: file to download; STOR: name to store; LIST: directory to list. */
  path: string;
  /** RETR: sha256 the download must have. LIST: a name the listing must contain. */
  expect?: string;
  /** STOR: bytes of random data to upload. */
  uploadBytes?: number;
  /** Further transfers in the same control session, each over a new data connection in the same mode (probe only). */
  then?: TransferSpec[];
  /** Security probes, active modes: announce this address in PORT/EPRT instead of the probe's own (a bounce). */
  announce?: { host: string; port: number };
  /** Security probes, passive modes: dial a neighbour of the announced port inside this range instead of the port itself. */
  neighbourIn?: { min: number; max: number };
  /**
   * Helper-scope probe, active modes: instead of FTP, open a web connection to `port` on the
   * host, then send a PORT/EPRT line naming the probe's own listener inside it (NAT slipstreaming);
   * with carrier `irc`, an IRC connection carrying a DCC SEND request naming it (IPv4), which the
   * IRC helper, where a rule attaches one, opens the firewall for.
   */
  slipstream?: { port: number; carrier?: 'web' | 'irc' };
  /** Safety net only: blocked cells are decided from firewall evidence long before this. */
  timeoutMs: number;
}

export type FailureKind = 'timeout' | 'refused' | 'reset' | 'reply' | 'aborted' | 'mismatch' | 'protocol' | 'error';

export interface ProbeFailure {
  phase: PhaseRecord['phase'];
  kind: FailureKind;
  detail: string;
  /** The server's reply when kind is `reply`. */
  reply?: string;
  replyCode?: number;
}

export interface ProbeReport {
  id: number;
  phases: PhaseRecord[];
  transcript: string[];
  failure: ProbeFailure | null;
  /** RETR: sha256 of what arrived; STOR: sha256 of what was sent. */
  sha256?: string;
  bytes?: number;
  /** Every STOR of the session with the sha256 of what was sent (the server side is checked by the harness). */
  uploads?: Array<{ path: string; sha256: string }>;
  /** Transfers completed in this session (a session cell runs several). */
  transfersDone?: number;
  /** The data endpoint: announced by 227/229 (passive) or by the probe's PORT/EPRT (active). */
  dataEndpoint?: { host: string; port: number };
  durationMs: number;
}

/** Sent while a job runs, as soon as the data endpoint is known, so drops can be attributed. */
export interface ProbeProgress {
  id: number;
  progress: { dataEndpoint: { host: string; port: number } };
}

export type AgentRequest = { type: 'run'; job: ProbeJob } | { type: 'abort'; id: number };
