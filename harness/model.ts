/**
 * The vocabulary shared by probes, suites and reporters. String unions, not enums, so that
 * JSON read back from a report type-checks against the same names.
 */

export const MODES = ['PORT', 'EPRT', 'PASV', 'EPSV'] as const;
/** PORT/EPRT: active (the server dials the client). PASV/EPSV: passive (the client dials the server). */
export type Mode = (typeof MODES)[number];
/** PORT and EPRT: the server opens the data connection. */
export const isActiveMode = (mode: Mode) => mode === 'PORT' || mode === 'EPRT';

export const FTP_COMMANDS = ['RETR', 'STOR', 'LIST'] as const;
export type FtpCommand = (typeof FTP_COMMANDS)[number];

/** What the packets showed. `error` means the probe or the server broke, not the firewall. */
export type Outcome = 'pass' | 'blocked' | 'error';
/** What a suite says must happen. */
export type Expectation = 'pass' | 'blocked';
/**
 * compliant: observed == expected; violation: it differs; inconclusive: observed `error`;
 * skipped: the host could not run the cell; observed: no expectation (explore); accepted: an
 * attack expected blocked got through, and the check file accepts that with a written reason.
 */
export type Verdict = 'compliant' | 'violation' | 'inconclusive' | 'skipped' | 'observed' | 'accepted';

export type DriverName = 'netns' | 'docker';

/**
 * The dimensions of a cell beyond mode and command. One name per idea: the server *software*
 * (JSON `serverKind`), the *client* that runs a transfer (JSON `clientKind`: the probe or a real
 * client), the cell's *class* (JSON `kind`: a transfer or an attack), its *scenario* (JSON
 * `probe`); the JSON contract (version 1) keeps its field names.
 */
export const FAMILIES = ['ipv4', 'ipv6'] as const;
export type Family = (typeof FAMILIES)[number];
export const SERVER_SOFTWARE = ['vsftpd', 'pure-ftpd', 'proftpd'] as const;
export type ServerSoftware = (typeof SERVER_SOFTWARE)[number];
export const CLIENT_NAMES = ['probe', 'curl', 'lftp'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

/** The firewall frontends whose configurations pinhole renders with the frontend itself (harness/frontends/). */
export const FRONTEND_KINDS = ['firewalld', 'ufw', 'ferm', 'firehol', 'shorewall'] as const;
export type FrontendKind = (typeof FRONTEND_KINDS)[number];

/**
 * Where a rule set under test comes from: a file (nft or iptables-save), an iptables-save and
 * ip6tables-save pair, or a frontend's configuration (harness/frontends/ruleset-source.ts loads each).
 */
export interface RulesetSource {
  /** The rule set file; with `frontend`, the frontend's configuration (a file or a directory). */
  file: string;
  /** The frontend that renders `file`. */
  frontend?: FrontendKind;
  /** The ip6tables-save half of a pair whose iptables-save half is `file`. */
  ipv6File?: string;
}
export const TLS_MODES = ['none', 'explicit', 'implicit', 'ccc'] as const;
export type TlsMode = (typeof TLS_MODES)[number];
/** transfer: data moves (one transfer, a session, concurrent sessions); security: an attack attempt that must fail. */
export const CELL_CLASSES = ['transfer', 'security'] as const;
export type CellClass = (typeof CELL_CLASSES)[number];
/**
 * A cell's scenario: what it does (harness/scenarios/, a file each). transfer: one transfer.
 * session: several transfers in one control session. concurrent: several sessions at once.
 * bounce, pinhole-scope, helper-scope: attacks, whose `pass` means the attack got through. The
 * JSON contract (version 1) calls this field `probe`.
 */
export const SCENARIOS = ['transfer', 'session', 'concurrent', 'bounce', 'pinhole-scope', 'helper-scope'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const SECURITY_SCENARIOS: ReadonlySet<Scenario> = new Set<Scenario>(['bounce', 'pinhole-scope', 'helper-scope']);

/**
 * The stable first word of `cause`. Failures of the path: firewall-drop (a rule or policy dropped
 * it, with the helper and expectation in place or not needed), no-helper (the control connection
 * had no FTP helper), helper-before-conntrack (a `ct helper set` rule runs before connection
 * tracking and attaches nothing), no-expectation (a helper was attached but expected no data
 * connection), tls-blind (TLS hid the control channel from the helper), nat-not-rewritten (an
 * address crossed NAT unrewritten, so the far end saw a private address), server-refused (the
 * server replied no), data-refused-at-router (a router answered the data SYN with RST itself),
 * fixed-ruleset-drop (another node's own fixed rule set from the topology dropped it, not the
 * rule set under test: no change to that one can help).
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
  'fixed-ruleset-drop',
  'filtered-unseen',
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
