/**
 * Candidate fixes for a failing transfer, smallest first, each in the rule set's own format:
 * nft commands appended to the user's file (`insert rule inet filter forward ...`), or
 * iptables-save lines added under their `*table` header. A candidate is only a hypothesis: the
 * lab re-runs the cell with it applied and reports it as advice only when the cell then passes.
 */
import { isActiveMode, type CauseCode, type Family, type Mode, type TlsMode } from '../model.ts';
import type { RulesetFormat } from '../rulesets/load-ruleset.ts';
import type { NftStructure } from './nft-structure.ts';

export interface AdviceCandidate {
  /** What a person adds to their rule set, exactly. */
  change: string;
  /** The rule set text with the change applied. */
  apply(text: string): string;
}

export interface AdviceInput {
  code: CauseCode | undefined;
  mode: Mode;
  family: Family;
  tls: TlsMode;
  format: RulesetFormat;
  /** The firewall's rule set as loaded (nft structure; iptables-nft tables show up here too). */
  structure: NftStructure;
  /** The server's own address in the cell's family, its FTP port and passive range (after any DNAT). */
  server: { address: string; port: number; passivePorts: { min: number; max: number } };
  /**
   * Where the rule set sits: in the forwarding path (default), or on the FTP server's or the
   * client's own host, whose INPUT and OUTPUT chains see each connection from one end.
   */
  placement?: Placement;
  /**
   * The deciding drop was of a later packet than a SYN (a handshake's ACK, a command's segment):
   * the connection was let in, and something dropped it on its way.
   */
  laterPacket?: boolean;
}

export type Placement = 'forward' | 'server' | 'client';
type Hook = 'forward' | 'input' | 'output';

/**
 * The hook each connection crosses on the node that carries the rule set. On the server, the
 * control connection and passive data arrive (input) and active data leaves (output); on the
 * client the other way round. A router forwards them all.
 */
function hooksFor(placement: Placement, mode: Mode): { control: Hook; data: Hook } {
  if (placement === 'forward') return { control: 'forward', data: 'forward' };
  const passive = !isActiveMode(mode);
  const arrives: Hook = placement === 'server' ? 'input' : 'output';
  const dataArrives = placement === 'server' ? passive : !passive;
  return { control: arrives, data: dataArrives ? 'input' : 'output' };
}

type Fix = 'helper' | 'related' | 'passive-range' | 'active-source-port' | 'control' | 'established' | 'helper-after-raw-drops';

/** Which fixes could address each cause, in the order worth trying. */
function fixesFor(i: AdviceInput): Fix[][] {
  const passive = !isActiveMode(i.mode);
  switch (i.code) {
    case 'no-helper':
    case 'helper-before-conntrack':
      return [['helper'], ['helper', 'related'], ...(passive ? [['passive-range'] as Fix[]] : [])];
    case 'nat-not-rewritten':
      return [['helper'], ['helper', 'related']];
    case 'no-expectation':
      return passive ? [['passive-range']] : [];
    case 'tls-blind':
      return passive ? [['passive-range']] : [['active-source-port']];
    case 'firewall-drop':
      // A later packet dropped: established traffic not accepted both ways, or a raw-table
      // drop that the CT rule before it made match (a template reads as NEW there).
      return i.laterPacket ? [['established'], ['helper-after-raw-drops']] : [['related'], ['control']];
    default:
      return [];
  }
}

export function adviceCandidates(i: AdviceInput): AdviceCandidate[] {
  const make = i.format === 'nft' ? nftFix : iptablesFix;
  return fixesFor(i).flatMap((fixes) => {
    const parts = fixes.map((f) => make(f, i));
    if (parts.some((p) => p === undefined)) return [];
    return [combine(parts as AdviceCandidate[])];
  });
}

function combine(parts: AdviceCandidate[]): AdviceCandidate {
  return { change: parts.map((p) => p.change).join('\n'), apply: (text) => parts.reduce((t, p) => p.apply(t), text) };
}

// ---- nftables: commands appended to the user's own file ----

/** The user's base filter chain on `hook` for the cell's family. */
function filterChain(i: AdviceInput, hook: Hook): { family: string; table: string; name: string } | undefined {
  const wanted = i.family === 'ipv6' ? ['ip6', 'inet'] : ['ip', 'inet'];
  return i.structure.chains.find((c) => c.hook === hook && c.type === 'filter' && wanted.includes(c.family));
}

function nftFix(fix: Fix, i: AdviceInput): AdviceCandidate | undefined {
  const hooks = hooksFor(i.placement ?? 'forward', i.mode);
  const hook = fix === 'helper' || fix === 'control' ? hooks.control : hooks.data;
  const addr = i.family === 'ipv6' ? 'ip6' : 'ip';
  const append = (lines: string[]): AdviceCandidate => ({ change: lines.join('\n'), apply: (text) => `${text}\n${lines.join('\n')}\n` });
  const chain = filterChain(i, hook);
  if (fix === 'helper') {
    // The helper is attached where the control connection's first packet passes, after
    // connection tracking (priority -200) and before the connection is confirmed. A host whose
    // rule set has no chain there (a client filtering INPUT only) gets one of its own.
    const home = chain ?? filterChain(i, hooks.data) ?? filterChain(i, 'input') ?? filterChain(i, 'forward');
    if (!home) return undefined;
    const existing = i.structure.helpers.find((h) => h.type === 'ftp' && h.family === home.family && h.table === home.table);
    const name = existing?.name ?? 'ftp';
    const declare = existing ? [] : [`add ct helper ${home.family} ${home.table} ${name} { type "ftp" protocol tcp; ${home.family === 'inet' ? 'l3proto inet; ' : ''}}`];
    const own = chain ? [] : [`add chain ${home.family} ${home.table} ftp_helper { type filter hook ${hook} priority 0; policy accept; }`];
    const at = chain ? `${chain.family} ${chain.table} ${chain.name}` : `${home.family} ${home.table} ftp_helper`;
    return append([...declare, ...own, `insert rule ${at} tcp dport ${i.server.port} ct helper set "${name}"`]);
  }
  // No base chain on that hook: nothing there filters, so the fix is not there either.
  if (!chain) return undefined;
  const at = `${chain.family} ${chain.table} ${chain.name}`;
  switch (fix) {
    case 'related':
      return append([`insert rule ${at} ct state related accept`]);
    case 'passive-range':
      return append([`insert rule ${at} ${addr} daddr ${i.server.address} tcp dport ${i.server.passivePorts.min}-${i.server.passivePorts.max} ct state new accept`]);
    case 'active-source-port':
      return append([`insert rule ${at} ${addr} saddr ${i.server.address} tcp sport 20 ct state new accept`]);
    case 'control':
      return append([`insert rule ${at} ${addr} daddr ${i.server.address} tcp dport ${i.server.port} ct state new accept`]);
    case 'established':
      return append([`insert rule ${at} ct state established accept`]);
    case 'helper-after-raw-drops':
      return undefined;
  }
}

// ---- iptables-save: lines added to the user's file under their table ----

/** Adds `line` to the `*table` section (before its COMMIT), or a new section when there is none. */
export function addToTable(text: string, table: string, line: string, chainHeader: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `*${table}`);
  if (start < 0) return `${text.replace(/\n*$/, '\n')}*${table}\n${chainHeader}\n${line}\nCOMMIT\n`;
  const commit = lines.findIndex((l, n) => n > start && l.trim() === 'COMMIT');
  lines.splice(commit < 0 ? lines.length : commit, 0, line);
  return lines.join('\n');
}

function iptablesFix(fix: Fix, i: AdviceInput): AdviceCandidate | undefined {
  const rule = (table: string, chainHeader: string, line: string): AdviceCandidate => ({
    change: `*${table}\n${line}`,
    apply: (text) => addToTable(text, table, line, chainHeader),
  });
  const hooks = hooksFor(i.placement ?? 'forward', i.mode);
  const CHAIN: Record<Hook, string> = { forward: 'FORWARD', input: 'INPUT', output: 'OUTPUT' };
  const filter = (hook: Hook, line: string) => rule('filter', `:${CHAIN[hook]} ACCEPT [0:0]`, `-I ${CHAIN[hook]} ${line}`);
  const { address, port, passivePorts } = i.server;
  switch (fix) {
    case 'helper': {
      // The CT target attaches the helper through a template, so raw (before conntrack) is its
      // place: PREROUTING for what arrives, OUTPUT for a client's own control connection.
      const raw = hooks.control === 'output' ? 'OUTPUT' : 'PREROUTING';
      return rule('raw', `:${raw} ACCEPT [0:0]`, `-A ${raw} -p tcp --dport ${port} -j CT --helper ftp`);
    }
    case 'related':
      return filter(hooks.data, '-m conntrack --ctstate RELATED -j ACCEPT');
    case 'passive-range':
      return filter(hooks.data, `-d ${address} -p tcp --dport ${passivePorts.min}:${passivePorts.max} -m conntrack --ctstate NEW -j ACCEPT`);
    case 'active-source-port':
      return filter(hooks.data, `-s ${address} -p tcp --sport 20 -m conntrack --ctstate NEW -j ACCEPT`);
    case 'control':
      return filter(hooks.control, `-d ${address} -p tcp --dport ${port} -m conntrack --ctstate NEW -j ACCEPT`);
    case 'established':
      return filter(hooks.control, '-m conntrack --ctstate ESTABLISHED -j ACCEPT');
    case 'helper-after-raw-drops':
      return ctAfterRawDrops();
  }
}

/**
 * The raw table's CT rule moved after the drops that follow it in its chain. In raw, before
 * connection tracking, a packet that the CT target gave its template reads as state NEW: a
 * sanity rule such as `! --syn -m state --state NEW -j DROP` after it drops every later packet
 * of the control connection. Before the CT rule, such a packet has no conntrack yet (INVALID).
 */
function ctAfterRawDrops(): AdviceCandidate {
  const move = (text: string): string => {
    const lines = text.split('\n');
    const raw = lines.findIndex((l) => l.trim() === '*raw');
    const commit = lines.findIndex((l, n) => n > raw && l.trim() === 'COMMIT');
    const ct = lines.findIndex((l, n) => n > raw && n < commit && /^-A \S+ .*-j CT --helper ftp\b/.test(l.trim()));
    if (raw < 0 || ct < 0) return text;
    const chain = lines[ct]!.trim().split(/\s+/)[1];
    let last = ct;
    for (let n = ct + 1; n < commit; n++) if (lines[n]!.trim().startsWith(`-A ${chain} `) && /-j DROP\b/.test(lines[n]!)) last = n;
    if (last === ct) return text;
    const [line] = lines.splice(ct, 1);
    lines.splice(last, 0, line!);
    return lines.join('\n');
  };
  return { change: '*raw\n# move the -j CT --helper ftp rule after the -j DROP rules that follow it in its chain', apply: move };
}
