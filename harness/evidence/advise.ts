/**
 * Candidate fixes for a failing transfer, smallest first, each in the rule set's own format:
 * nft commands appended to the user's file (`insert rule inet filter forward ...`), or
 * iptables-save lines added under their `*table` header. A candidate is only a hypothesis: the
 * lab re-runs the cell with it applied and reports it as advice only when the cell then passes.
 */
import type { CauseCode, Family, Mode, TlsMode } from '../model.ts';
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
}

type Fix = 'helper' | 'related' | 'passive-range' | 'active-source-port' | 'control';

/** Which fixes could address each cause, in the order worth trying. */
function fixesFor(i: AdviceInput): Fix[][] {
  const passive = i.mode === 'PASV' || i.mode === 'EPSV';
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
      return [['related'], ['control']];
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

/** The base chain that filters forwarded traffic of the cell's family, in the user's tables. */
function forwardChain(i: AdviceInput): { family: string; table: string; name: string } | undefined {
  const wanted = i.family === 'ipv6' ? ['ip6', 'inet'] : ['ip', 'inet'];
  return i.structure.chains.find((c) => c.hook === 'forward' && c.type === 'filter' && wanted.includes(c.family));
}

function nftFix(fix: Fix, i: AdviceInput): AdviceCandidate | undefined {
  const chain = forwardChain(i);
  if (!chain) return undefined;
  const at = `${chain.family} ${chain.table} ${chain.name}`;
  const addr = i.family === 'ipv6' ? 'ip6' : 'ip';
  const append = (lines: string[]): AdviceCandidate => ({ change: lines.join('\n'), apply: (text) => `${text}\n${lines.join('\n')}\n` });
  switch (fix) {
    case 'helper': {
      // The helper is attached in the forward chain: it runs after connection tracking
      // (priority -200) and before the connection is confirmed, so the first SYN gets it.
      const existing = i.structure.helpers.find((h) => h.type === 'ftp' && h.family === chain.family && h.table === chain.table);
      const name = existing?.name ?? 'ftp';
      const declare = existing ? [] : [`add ct helper ${chain.family} ${chain.table} ${name} { type "ftp" protocol tcp; ${chain.family === 'inet' ? 'l3proto inet; ' : ''}}`];
      return append([...declare, `insert rule ${at} tcp dport ${i.server.port} ct helper set "${name}"`]);
    }
    case 'related':
      return append([`insert rule ${at} ct state related accept`]);
    case 'passive-range':
      return append([`insert rule ${at} ${addr} daddr ${i.server.address} tcp dport ${i.server.passivePorts.min}-${i.server.passivePorts.max} ct state new accept`]);
    case 'active-source-port':
      return append([`insert rule ${at} ${addr} saddr ${i.server.address} tcp sport 20 ct state new accept`]);
    case 'control':
      return append([`insert rule ${at} ${addr} daddr ${i.server.address} tcp dport ${i.server.port} ct state new accept`]);
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
  const forward = (line: string) => rule('filter', ':FORWARD ACCEPT [0:0]', line);
  const { address, port, passivePorts } = i.server;
  switch (fix) {
    case 'helper':
      // The CT target attaches the helper through a template, so raw (before conntrack) is its place.
      return rule('raw', ':PREROUTING ACCEPT [0:0]', `-A PREROUTING -p tcp --dport ${port} -j CT --helper ftp`);
    case 'related':
      return forward('-I FORWARD -m conntrack --ctstate RELATED -j ACCEPT');
    case 'passive-range':
      return forward(`-I FORWARD -d ${address} -p tcp --dport ${passivePorts.min}:${passivePorts.max} -m conntrack --ctstate NEW -j ACCEPT`);
    case 'active-source-port':
      return forward(`-I FORWARD -s ${address} -p tcp --sport 20 -m conntrack --ctstate NEW -j ACCEPT`);
    case 'control':
      return forward(`-I FORWARD -d ${address} -p tcp --dport ${port} -m conntrack --ctstate NEW -j ACCEPT`);
  }
}
