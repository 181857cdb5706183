/**
 * Which cells one check of a check file runs, and what each must do: the check's dimensions
 * (each defaulting to every value pinhole has), narrowed to what the topology, the servers and
 * the clients can do, each cell judged by the most specific expectation key that names it.
 * Pure: the file and the topology in, the cells out (unit-tested without a lab).
 *
 * `combinations: each` (the default) runs every value of every dimension at least once, beside
 * the first value of the others: the three servers, the three clients, the FTPS variants and the
 * session scenarios each get all four modes, without the product of them all (which `all` asks for).
 */
import type { CheckSpec, ExpectationKey, KeyDimension, SecurityProbe } from '../expectations/check-file.ts';
import { parseExpectationKey } from '../expectations/check-file.ts';
import { CLIENT_NAMES, FTP_COMMANDS, SERVER_SOFTWARE, TLS_MODES, type ClientName, type Expectation, type Family, type FtpCommand, type Mode, type Scenario, type ServerSoftware, type TlsMode } from '../model.ts';
import { offersTls } from '../nodes/tls-offers.ts';
import { pinnableModes } from '../probes/client-modes.ts';
import { rulesetSourceName } from '../frontends/ruleset-source.ts';
import { hasFamily } from '../topology/dual-stack.ts';
import type { TopologySpec } from '../topology/schema.ts';

export interface PlannedCell {
  mode: Mode;
  command: FtpCommand;
  family: Family;
  serverKind: ServerSoftware;
  client: ClientName;
  tls: TlsMode;
  scenario: Scenario;
  /** What the cell must do; null: no key names it, so it is only observed. */
  expected: Expectation | null;
  /** The `expect:` key that said so (the most specific one naming the cell). */
  expectedBy?: string;
  /** A security cell the file accepts getting through, with the file's reason. */
  accepted?: string;
  /** Why the cell cannot run on this topology (it is reported skipped, with this reason). */
  skip?: string;
}

export interface CheckPlan {
  cells: PlannedCell[];
  /** Problems with the check as written (an expectation key that matches no cell...), at their key within the check. */
  problems: Array<{ at: string[]; message: string }>;
}

/** Attacks, the modes they are made in (ftp-security's truth table), and the command they use. */
const SECURITY_MODES: Readonly<Record<SecurityProbe, readonly Mode[]>> = {
  bounce: ['PORT', 'EPRT'],
  'pinhole-scope': ['PASV', 'EPSV'],
  'helper-scope': ['PORT', 'EPRT'],
};

const serverOf = (topology: TopologySpec) => Object.values(topology.nodes).find((n) => n.kind === 'ftp-server');

/** `first` first, then the rest in their own order. */
const firstThen = <T>(first: T, all: readonly T[]): T[] => [first, ...all.filter((v) => v !== first)];

export function planCheck(check: CheckSpec, topology: TopologySpec): CheckPlan {
  const server = serverOf(topology);
  const own = server?.kind === 'ftp-server' ? server.ftp.software : 'vsftpd';
  const hasFamilies = (['ipv4', 'ipv6'] as const).filter((f) => server && hasFamily(server, f));
  const servers = check.servers ?? firstThen(own, SERVER_SOFTWARE);
  const clients = check.clients ?? [...CLIENT_NAMES];
  const commands = check.commands ?? [...FTP_COMMANDS];
  const families = check.families ?? hasFamilies;
  const tlsModes = check.tls ?? [...TLS_MODES];
  const scenarios = check.scenarios ?? ['transfer', 'session', 'concurrent'];
  const security = check.security ?? ['bounce', 'pinhole-scope', 'helper-scope'];

  const cells: PlannedCell[] = [];
  const seen = new Set<string>();
  const add = (c: Omit<PlannedCell, 'expected'>) => {
    const id = JSON.stringify([c.mode, c.command, c.family, c.serverKind, c.client, c.tls, c.scenario]);
    if (seen.has(id)) return;
    seen.add(id);
    cells.push({ ...c, expected: null });
  };

  for (const family of families) {
    if (!hasFamilies.includes(family)) continue;
    // One combination, in every mode the client can pin and the server can serve.
    const each = (serverKind: ServerSoftware, client: ClientName, tls: TlsMode, scenario: Scenario, cmds: readonly FtpCommand[]) => {
      if (tls !== 'none' && (!offersTls(serverKind, tls) || client !== 'probe' || scenario !== 'transfer')) return;
      for (const mode of pinnableModes(client, family)) for (const command of cmds) add({ mode, command, family, serverKind, client, tls, scenario });
    };
    const [s0, c0, t0, p0] = [servers[0]!, clients[0]!, tlsModes[0]!, scenarios[0]!];
    // A session runs RETR, STOR and LIST itself; concurrent sessions each run RETR.
    const commandsOf = (scenario: Scenario) => (scenario === 'transfer' ? commands : ['RETR' as const]);
    if (check.combinations === 'all') {
      for (const s of servers) for (const c of clients) for (const t of tlsModes) for (const p of scenarios) each(s, c, t, p, commandsOf(p));
    } else {
      each(s0, c0, t0, p0, commandsOf(p0));
      for (const s of servers.slice(1)) each(s, c0, t0, p0, commandsOf(p0));
      for (const c of clients.slice(1)) each(s0, c, t0, p0, commandsOf(p0));
      // A TLS variant the first server does not offer runs on the first listed server that does.
      for (const t of tlsModes.slice(1)) each(servers.find((s) => offersTls(s, t)) ?? s0, 'probe', t, 'transfer', commands);
      for (const p of scenarios.slice(1)) each(s0, c0, t0, p, commandsOf(p));
    }
  }

  // The attacks, on the first family and server, with the pinned probe.
  // IPv4 where the server has it: the attacks are verified over IPv4 (ftp-security).
  const family = families.includes('ipv4') && hasFamilies.includes('ipv4') ? 'ipv4' : families.find((f) => hasFamilies.includes(f));
  const bounceTarget = Object.values(topology.nodes).some((n) => n.kind === 'host');
  for (const scenario of security) {
    if (!family) break;
    for (const mode of SECURITY_MODES[scenario].filter((m) => pinnableModes('probe', family).includes(m))) {
      const skip =
        scenario === 'bounce' && !bounceTarget
          ? `topology ${topology.name} has no host node to aim the bounce at: add a \`kind: host\` node (the third party) to it, or leave bounce out of security:`
          : family === 'ipv6'
            ? 'the attack scenarios are verified over IPv4 only'
            : undefined;
      add({ mode, command: 'RETR', family, serverKind: servers[0]!, client: 'probe', tls: 'none', scenario, ...(skip ? { skip } : {}) });
    }
  }

  const problems: CheckPlan['problems'] = [];
  for (const f of families.filter((f) => !hasFamilies.includes(f))) {
    problems.push({ at: ['families'], message: `the server of topology ${topology.name} has no ${f === 'ipv6' ? 'IPv6' : 'IPv4'} address, so no cell can be ${f === 'ipv6' ? 'IPv6' : 'IPv4'}` });
  }
  const keys = Object.entries(check.expect ?? {}).map(([text, result]) => ({ text, result, key: parseExpectationKey(text) as ExpectationKey }));
  for (const cell of cells) {
    if (cell.scenario === 'bounce' || cell.scenario === 'pinhole-scope' || cell.scenario === 'helper-scope') {
      const accepted = check.accept?.[cell.scenario];
      // An attack must be blocked; getting through is a violation unless the file accepts it.
      cell.expected = 'blocked';
      if (accepted) cell.accepted = accepted;
      continue;
    }
    const matching = keys.filter((k) => keyMatches(k.key, cell));
    if (matching.length === 0) continue;
    const most = Math.max(...matching.map((k) => Object.keys(k.key).length));
    const best = matching.filter((k) => Object.keys(k.key).length === most);
    if (new Set(best.map((k) => k.result)).size > 1) {
      problems.push({ at: ['expect', best[0]!.text], message: `keys ${best.map((k) => JSON.stringify(k.text)).join(' and ')} both name ${describe(cell)} and disagree; add a more specific key for it` });
      continue;
    }
    cell.expected = best[0]!.result;
    cell.expectedBy = best[0]!.text;
  }
  for (const k of keys) {
    if (!cells.some((c) => keyMatches(k.key, c))) problems.push({ at: ['expect', k.text], message: `names no cell of this check (its dimensions and topology ${topology.name} have none such)` });
  }
  return { cells, problems };
}

/** The dimensions a key can name. */
export type PlannedCellDims = Pick<PlannedCell, 'mode' | 'command' | 'serverKind' | 'client' | 'family' | 'tls' | 'scenario'>;

const CELL_VALUE: Readonly<Record<KeyDimension, (c: PlannedCellDims) => string>> = {
  mode: (c) => c.mode,
  command: (c) => c.command,
  server: (c) => c.serverKind,
  client: (c) => c.client,
  family: (c) => c.family,
  tls: (c) => c.tls,
  probe: (c) => c.scenario,
};

/** Does `key` name `cell`? Every word of the key is one of the cell's values. */
export function keyMatches(key: ExpectationKey, cell: PlannedCellDims): boolean {
  return (Object.entries(key) as Array<[KeyDimension, string]>).every(([d, v]) => CELL_VALUE[d](cell) === v);
}

/**
 * The rule set's name in a check's reports: its file name, and the node when the check names
 * one (`edge@server`), so that one file checked on two nodes gives two rows and distinct ids.
 */
export function checkRulesetLabel(check: Pick<CheckSpec, 'source' | 'on'>): string {
  return `${rulesetSourceName(check.source)}${check.on === undefined ? '' : `@${check.on}`}`;
}

export function describe(c: PlannedCell): string {
  return [c.mode, c.command, c.serverKind, c.client, c.family === 'ipv6' ? 'IPv6' : 'IPv4', c.tls === 'none' ? '' : c.tls, c.scenario === 'transfer' ? '' : c.scenario].filter(Boolean).join(' ');
}
