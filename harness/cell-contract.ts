/**
 * The cell contract, in one place: what a cell asks (its dimensions: CellAsk to run it, CellMeta
 * to name it), what it observed (Observation), and its result, the JSON contract's row
 * (CellResult). Suites, `explore` and the reporters all build and read cells through here.
 */
import type { CellClass, ClientName, DriverName, Expectation, Family, FtpCommand, Mode, Outcome, Scenario, ServerSoftware, TlsMode, Verdict } from './model.ts';
import { judge } from './verdict.ts';

/** What a cell asks of its lab: the scenario and the dimensions that change what runs. */
export interface CellAsk {
  scenario: Scenario;
  mode: Mode;
  command: FtpCommand;
  /** Which client runs a transfer; default the pinned probe. */
  client?: ClientName | undefined;
  /** FTPS: explicit AUTH TLS, CCC after login, or implicit TLS; default none. */
  tls?: TlsMode | undefined;
  /** The family of the address the client dials; by default the server's IPv4 address if it has one. */
  family?: Family | undefined;
}

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
  serverKind: ServerSoftware;
  clientKind: ClientName;
  tls: TlsMode;
  kind: CellClass;
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
  /**
   * A security cell whose attack the check file accepts, with its written reason (`accept:`):
   * when the attack gets through, the verdict is `accepted`. Absent everywhere else.
   */
  accepted?: string;
  /**
   * Which rule let each of the cell's connections through or dropped it, from the trace of the
   * node that carries the rule set (harness/evidence/attribution.ts). Absent where no transfer
   * was attempted through a rule set, and from reports written before it existed.
   */
  attribution?: CellAttribution;
  /**
   * For a rule set a frontend rendered from the user's configuration: the frontend, its
   * version, the configuration, and the rendering's files (what was applied). Absent otherwise.
   */
  frontend?: CellFrontend;
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

/** One chain's verdict on a SYN, told as the user wrote it where the file says. */
export interface CellFrontend {
  kind: string;
  version: string;
  config: string;
  rendering: string[];
}

export interface RuleHit {
  /** `inet filter forward` */
  chain: string;
  /** The rule as written in the file (or as the kernel lists it), or `policy accept`. */
  rule: string;
  /** `fw.nft:14`, when the file's rule is known. */
  at?: string;
  /** For a rule set a frontend rendered: the element of the user's configuration the rule comes from. */
  source?: string;
  verdict: string;
}

export interface ConnectionAttribution {
  connection: 'control' | 'data';
  /** The SYN: `192.168.10.10:40000 -> 203.0.113.10:21`. */
  packet: string;
  /** The verdict that let it through or dropped it: the last accept or drop it met. */
  decidedBy: RuleHit | null;
  /** Every rule that matched on the way, and the policies that applied, in order. */
  path: RuleHit[];
  /**
   * No chain of the rule set met the packet: a host firewall without a chain on its hook (a
   * client's own SYN leaves through output, which an INPUT-only rule set does not filter).
   * Names the hook the packet took. `decidedBy` is then null: nothing decided, it passed.
   */
  unfiltered?: string;
  /** Its conntrack state when it arrived: `new`, or `related` (an expectation); null when the counters cannot tell. */
  state: 'new' | 'related' | null;
  /**
   * The reply's first packet (the SYN-ACK), traced too: what let the answer back (usually a
   * `ct state established` rule). Absent when no reply was traced (NAT changed its ports, or none came).
   */
  reply?: { decidedBy: RuleHit | null; path: RuleHit[] };
  /** The helper attached to the control connection (by the rule in `path` that set it); the helper whose expectation a RELATED data connection matched. */
  helper?: string;
  /**
   * A later packet of the connection (not its SYN) that a rule dropped or rejected, the way the
   * connection ended: the client's handshake ACK, the segment carrying PORT. Absent when none was.
   */
  dropped?: { packet: string; decidedBy: RuleHit };
}

export interface CellAttribution {
  /** The node whose trace this is: the one that carries the rule set under test. */
  node: string;
  /** The rule set file the `at`s point into (as the run was given it), for coverage. */
  file: string;
  connections: ConnectionAttribution[];
}

/**
 * A rule change in the rule set's own format (nft commands, or iptables-save lines under their
 * `*table` header). `verified`: the same cell was re-run with the change applied and passed.
 */
export interface Advice {
  change: string;
  verified: boolean;
}

export interface RuleCoverage {
  /** `nft-helper.nft:16` */
  at: string;
  line: number;
  /** `inet filter forward` */
  chain: string;
  /** The rule as written. */
  rule: string;
  /** Traced first packets it decided (accept, drop) or matched without deciding (`continue`, a jump). */
  hits: { accept: number; drop: number; matched: number };
  /** Ids of the cells whose packets reached it. */
  cells: string[];
}

export interface RulesetCoverage {
  /** The file, as the run was given it. */
  file: string;
  /** A frontend's rendering: `ufw 0.36.2-1 from /repo/etc` (its rules are the frontend's, not the user's lines). */
  renderedBy?: string;
  rules: RuleCoverage[];
}

/** `explore --minimize`: an accepting rule deleted alone, and what that changed (harness/cell/minimize-ruleset.ts). */
export interface MinimizeFinding {
  at: string;
  rule: string;
  /** No cell's outcome changed without it. */
  removable: boolean;
  changed: Array<{ id: string; from: Outcome; to: Outcome }>;
  /** Why it could not be tried, when it could not. */
  note?: string;
}

export interface RunReport {
  version: 1;
  driver: DriverName;
  results: CellResult[];
  /** Each rule set's rules and the cells that reached them (harness/report/coverage.ts); absent from reports written before it. */
  coverage?: RulesetCoverage[];
  /** `explore --minimize` only. */
  minimize?: MinimizeFinding[];
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

/**
 * How a cell travels from a Playwright worker to the reporter: its identity in an annotation
 * (so reporters know skipped cells too), its result and its ladder in attachments.
 */
export const CELL_ANNOTATION = 'pinhole-cell';
export const RESULT_ATTACHMENT = 'pinhole-result';
/** The cell's ladder diagram (harness/evidence/ladder.ts), for the HTML report. */
export const LADDER_ATTACHMENT = 'pinhole-ladder';

/** Everything known about a cell before it runs (reporters need it for skipped cells too). */
export type CellMeta = Pick<
  CellResult,
  'suite' | 'topology' | 'ruleset' | 'mode' | 'command' | 'family' | 'serverKind' | 'clientKind' | 'tls' | 'kind' | 'probe' | 'expected' | 'accepted'
>;


export function cellResult(
  meta: CellMeta,
  nodes: { client: string; server: string },
  o: Observation,
  found: { advice?: Advice | null; evidence?: string | null; attribution?: CellAttribution | undefined; frontend?: CellFrontend | undefined } = {},
): CellResult {
  return {
    id: cellId(meta),
    ...meta,
    ...nodes,
    observed: o.outcome,
    verdict: judge(meta.expected, o.outcome, meta.accepted),
    cause: o.cause,
    advice: found.advice ?? null,
    evidence: found.evidence ?? null,
    durationMs: o.durationMs,
    ...(found.attribution ? { attribution: found.attribution } : {}),
    ...(found.frontend ? { frontend: found.frontend } : {}),
  };
}

/** A row for a cell that observed nothing: skipped, interrupted, or the harness failed first. */
export function unobservedResult(meta: CellMeta, how: { skipped: boolean; cause: string; durationMs: number }): CellResult {
  return {
    id: cellId(meta),
    ...meta,
    client: '',
    server: '',
    observed: how.skipped ? null : 'error',
    verdict: how.skipped ? 'skipped' : 'inconclusive',
    cause: how.cause,
    advice: null,
    evidence: null,
    durationMs: how.durationMs,
  };
}

