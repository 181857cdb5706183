/**
 * The vocabulary shared by probes, suites and reporters. String unions, not enums, so that
 * JSON read back from a report type-checks against the same names.
 */

export const MODES = ['PORT', 'EPRT', 'PASV', 'EPSV'] as const;
/** PORT/EPRT: active (the server dials the client). PASV/EPSV: passive (the client dials the server). */
export type Mode = (typeof MODES)[number];

export const FTP_COMMANDS = ['RETR', 'STOR', 'LIST'] as const;
export type FtpCommand = (typeof FTP_COMMANDS)[number];

/** What the packets showed. `error` means the probe or the server broke, not the firewall. */
export type Outcome = 'pass' | 'blocked' | 'error';
/** What a suite says must happen. */
export type Expectation = 'pass' | 'blocked';
/**
 * compliant: observed == expected; violation: it differs; inconclusive: observed `error`;
 * skipped: the host could not run the cell; observed: no expectation (explore).
 */
export type Verdict = 'compliant' | 'violation' | 'inconclusive' | 'skipped' | 'observed';

export type DriverName = 'netns' | 'docker';

/** The scenario dimensions of a cell beyond mode and command (JSON contract fields). */
export const FAMILIES = ['ipv4', 'ipv6'] as const;
export type Family = (typeof FAMILIES)[number];
export const SERVER_KINDS = ['vsftpd', 'pure-ftpd', 'proftpd'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];
export const CLIENT_KINDS = ['probe', 'curl', 'lftp'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];
export const TLS_MODES = ['none', 'explicit', 'implicit', 'ccc'] as const;
export type TlsMode = (typeof TLS_MODES)[number];
/** transfer: a real transfer; security: an attack attempt that must fail. */
export const CELL_KINDS = ['transfer', 'security'] as const;
export type CellKind = (typeof CELL_KINDS)[number];
/**
 * What the cell does. transfer: one transfer. session: several transfers in one control session.
 * concurrent: several sessions at once. bounce, pinhole-scope, helper-scope: security probes,
 * whose `pass` means the attack got through.
 */
export const PROBES = ['transfer', 'session', 'concurrent', 'bounce', 'pinhole-scope', 'helper-scope'] as const;
export type Probe = (typeof PROBES)[number];
export const SECURITY_PROBES: ReadonlySet<Probe> = new Set<Probe>(['bounce', 'pinhole-scope', 'helper-scope']);

/** One phase of an FTP exchange as the probe saw it. */
export interface PhaseRecord {
  phase: 'control-connect' | 'tls' | 'greeting' | 'login' | 'mode' | 'data-connect' | 'transfer' | 'integrity';
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface Observation {
  outcome: Outcome;
  /** Why it was not a pass: `control-blocked`, `data-blocked`, `server-refused: 500 ...`, `integrity-mismatch`... */
  cause: string | null;
  phases: PhaseRecord[];
  /** Control-channel lines, `> ` sent and `< ` received, plus harness notes prefixed `# `. */
  transcript: string[];
  durationMs: number;
}

/** One row of the JSON contract (README "JSON contract"). Keep field names stable. */
export interface CellResult {
  id: string;
  suite: string;
  topology: string;
  ruleset: string;
  mode: Mode;
  command: FtpCommand;
  client: string;
  server: string;
  family: Family;
  serverKind: ServerKind;
  clientKind: ClientKind;
  tls: TlsMode;
  kind: CellKind;
  probe: Probe;
  expected: Expectation | null;
  /** null only when the cell was skipped (nothing was observed). */
  observed: Outcome | null;
  verdict: Verdict;
  cause: string | null;
  durationMs: number;
}

export interface RunReport {
  version: 1;
  driver: DriverName;
  results: CellResult[];
}

/** The dimensions a cell has unless its scenario says otherwise; ids and labels leave them out. */
export const DEFAULT_DIMENSIONS = {
  family: 'ipv4',
  serverKind: 'vsftpd',
  clientKind: 'probe',
  tls: 'none',
  kind: 'transfer',
  probe: 'transfer',
} as const satisfies Partial<CellResult>;

type Dimensions = Pick<CellResult, 'family' | 'serverKind' | 'clientKind' | 'tls' | 'probe'>;

/** The cell's non-default dimensions, in a fixed order: `[]` for a plain IPv4 vsftpd probe transfer. */
export function variantOf(c: Partial<Dimensions>): string[] {
  const order = ['probe', 'family', 'serverKind', 'clientKind', 'tls'] as const;
  return order.flatMap((k) => (c[k] === undefined || c[k] === DEFAULT_DIMENSIONS[k] ? [] : [c[k]]));
}

/**
 * Stable cell id: the same cell has the same id in every run, so tools can diff reports.
 * Non-default dimensions are appended (`.../EPSV-RETR+ipv6+curl`), so plain cells keep short ids.
 */
export function cellId(c: Pick<CellResult, 'suite' | 'topology' | 'ruleset' | 'mode' | 'command'> & Partial<Dimensions>): string {
  return [`${c.suite}/${c.topology}/${c.ruleset}/${c.mode}-${c.command}`, ...variantOf(c)].join('+');
}
