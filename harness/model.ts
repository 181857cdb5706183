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
 * A cell's scenario: what it does (harness/scenarios/, a file each). transfer: one transfer.
 * session: several transfers in one control session. concurrent: several sessions at once.
 * bounce, pinhole-scope, helper-scope: attacks, whose `pass` means the attack got through. The
 * JSON contract (version 1) calls this field `probe`.
 */
export const SCENARIOS = ['transfer', 'session', 'concurrent', 'bounce', 'pinhole-scope', 'helper-scope'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const SECURITY_SCENARIOS: ReadonlySet<Scenario> = new Set<Scenario>(['bounce', 'pinhole-scope', 'helper-scope']);

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
  /** The cell's scenario (a name kept from contract version 1). */
  probe: Scenario;
  expected: Expectation | null;
  /** null only when the cell was skipped (nothing was observed). */
  observed: Outcome | null;
  verdict: Verdict;
  /**
   * `code: detail`. The code is one of CAUSE_CODES (stable, for tools); the detail is for people
   * and may change. null when the cell passed.
   */
  cause: string | null;
  /** The smallest rule change found that makes a failing transfer pass; null when none applies. */
  advice: Advice | null;
  /** The directory holding this cell's evidence files, relative to the JSON report; null when none was kept. */
  evidence: string | null;
  /** The client's own time: from its control connection to its last reply. */
  durationMs: number;
  /**
   * The cell's whole test as Playwright timed it: reset, rule set, observation, explanation,
   * advice, evidence, and for the first cell on a lab, the lab's bring-up. Absent from `explore`
   * and `diff` reports, and from reports written before it existed.
   */
  testMs?: number;
}

/**
 * A rule change in the rule set's own format (nft commands, or iptables-save lines under their
 * `*table` header). `verified`: the same cell was re-run with the change applied and passed.
 */
export interface Advice {
  change: string;
  verified: boolean;
}

/**
 * The stable first word of `cause`. Failures of the path: firewall-drop (a rule or policy dropped
 * it, with the helper and expectation in place or not needed), no-helper (the control connection
 * had no FTP helper), helper-before-conntrack (a `ct helper set` rule runs before connection
 * tracking and attaches nothing), no-expectation (a helper was attached but expected no data
 * connection), tls-blind (TLS hid the control channel from the helper), nat-not-rewritten (an
 * address crossed NAT unrewritten, so the far end saw a private address), server-refused (the
 * server replied no), data-refused-at-router (a router answered the data SYN with RST itself).
 * Harness or server trouble (outcome error): integrity-mismatch, timeout, server-error,
 * probe-error, server-died (the FTP server's process ended during the cell), node-start-failed
 * (a node's service, such as the FTP server, did not start). A security probe that got through: attack-reached; one that was stopped carries
 * the code of what stopped it (firewall-drop, server-refused).
 */
export const CAUSE_CODES = [
  'firewall-drop',
  'no-helper',
  'helper-before-conntrack',
  'no-expectation',
  'tls-blind',
  'nat-not-rewritten',
  'server-refused',
  'data-refused-at-router',
  'integrity-mismatch',
  'timeout',
  'server-error',
  'probe-error',
  'server-died',
  'node-start-failed',
  'attack-reached',
] as const;
export type CauseCode = (typeof CAUSE_CODES)[number];

/** The code of a `code: detail` cause, or undefined when it does not start with a known code. */
export function causeCode(cause: string | null): CauseCode | undefined {
  const code = cause?.split(':', 1)[0]?.trim();
  return (CAUSE_CODES as readonly string[]).includes(code ?? '') ? (code as CauseCode) : undefined;
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
