// Attribution from a recorded trace (harness/evidence/attribution.ts): nft-helper on routed, a
// PORT RETR that passed. The verdict lines are the fw node's `nft monitor trace`, parsed by the
// drop observer; the listing is the kernel's `nft -a list ruleset` of that application.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { annotateLadder, attributeCell, chainHandles, describeConnection } from '../../harness/evidence/attribution.ts';
import type { PacketTrace } from '../../harness/nodes/drop-observer.ts';
import { fileRules } from '../../harness/rulesets/rule-lines.ts';

const FILE = 'suites/ftp-stateful/rulesets/nft-helper.nft';
const LISTING = [
  'table inet filter { # handle 2',
  '\tct helper ftp-standard { # handle 3',
  '\t\ttype "ftp" protocol tcp',
  '\t\tl3proto inet',
  '\t}',
  '',
  '\tchain prerouting { # handle 1',
  '\t\ttype filter hook prerouting priority filter; policy accept;',
  '\t\ttcp dport 21 ct helper set "ftp-standard" # handle 4',
  '\t}',
  '',
  '\tchain forward { # handle 2',
  '\t\ttype filter hook forward priority filter; policy drop;',
  '\t\tct state established accept # handle 5',
  '\t\tct state related ct helper "ftp" accept # handle 6',
  '\t\tiifname "lan0" oifname "wan0" tcp dport 21 ct state new accept # handle 7',
  '\t}',
  '}',
].join('\n');
const JSON_LISTING = {
  nftables: [
    { rule: { family: 'inet', table: 'filter', chain: 'prerouting', handle: 4 } },
    { rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 5 } },
    { rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 6 } },
    { rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 7 } },
  ],
};

const observer = [
  { chain: 'inet pinhole_observer trace_tcp', rule: 'tcp flags & (syn | fin | rst) != 0 meta nftrace set 1', verdict: 'continue', policy: false },
  { chain: 'inet pinhole_observer trace_tcp', rule: null, verdict: 'accept', policy: true },
];
const prerouting = { chain: 'inet filter prerouting', rule: null, verdict: 'accept', policy: true };
const trace = (saddr: string, sport: number, daddr: string, dport: number, verdicts: PacketTrace['verdicts']): PacketTrace => ({ node: 'fw', packet: { saddr, sport, daddr, dport, iif: '', flags: 'syn', payload: 0 }, verdicts: [...observer, ...verdicts] });
const TRACES: PacketTrace[] = [
  // The control SYN: the helper attached in prerouting, accepted by the forward rule for port 21.
  trace('192.168.10.10', 34942, '203.0.113.10', 21, [{ chain: 'inet filter prerouting', rule: null, handle: 4, verdict: 'continue', policy: false }, prerouting, { chain: 'inet filter forward', rule: null, handle: 7, verdict: 'accept', policy: false }]),
  trace('203.0.113.10', 21, '192.168.10.10', 34942, [prerouting, { chain: 'inet filter forward', rule: null, handle: 5, verdict: 'accept', policy: false }]),
  // The server's active data SYN from port 20 to the announced port, and its SYN-ACK.
  trace('203.0.113.10', 20, '192.168.10.10', 39317, [prerouting, { chain: 'inet filter forward', rule: null, handle: 6, verdict: 'accept', policy: false }]),
  trace('192.168.10.10', 39317, '203.0.113.10', 20, [prerouting, { chain: 'inet filter forward', rule: null, handle: 5, verdict: 'accept', policy: false }]),
];

const input = (over: { matched?: number; traces?: PacketTrace[] } = {}) => ({
  node: 'fw',
  traces: over.traces ?? TRACES,
  jobs: [{ host: '203.0.113.10', port: 21, endpoints: [{ host: '192.168.10.10', port: 39317 }], active: true }],
  listing: LISTING,
  natChains: new Set<string>(),
  handles: chainHandles(JSON_LISTING),
  fileRules: fileRules(readFileSync(FILE, 'utf8'), 'nft'),
  file: FILE,
  before: { created: 10, matched: 4 },
  after: { created: 11, matched: 4 + (over.matched ?? 1) },
});

test('the control and data connections, each with the rule that decided it, its line, its state and its reply', () => {
  const { connections } = attributeCell(input());
  expect(connections.map((c) => [c.connection, c.packet, c.decidedBy?.at, c.state, c.helper, c.reply?.decidedBy?.at])).toEqual([
    ['control', '192.168.10.10:34942 -> 203.0.113.10:21', 'nft-helper.nft:17', 'new', 'ftp-standard', 'nft-helper.nft:15'],
    ['data', '203.0.113.10:20 -> 192.168.10.10:39317', 'nft-helper.nft:16', 'related', 'ftp-standard', 'nft-helper.nft:15'],
  ]);
  // The path keeps the rule that matched without deciding (the helper's), the observer's table left out.
  expect(connections[0]!.path.map((h) => `${h.chain}: ${h.rule} (${h.verdict})`)).toEqual([
    'inet filter prerouting: tcp dport 21 ct helper set "ftp-standard" (continue)',
    'inet filter prerouting: policy accept (accept)',
    'inet filter forward: iifname "lan0" oifname "wan0" tcp dport 21 ct state new accept (accept)',
  ]);
  expect(describeConnection(connections[1]!)).toBe(
    'data connection accepted as RELATED (expectation of helper ftp-standard on the control connection) by rule "ct state related ct helper "ftp" accept" at nft-helper.nft:16; its reply by rule "ct state established accept" at nft-helper.nft:15',
  );
});

test('no expectation used: the data connection arrived NEW; a dropped SYN names its drop', () => {
  const drop = trace('203.0.113.10', 20, '192.168.10.10', 39317, [prerouting, { chain: 'inet filter forward', rule: null, verdict: 'drop', policy: true }]);
  const { connections } = attributeCell(input({ matched: 0, traces: [TRACES[0]!, TRACES[1]!, drop] }));
  expect(connections[1]).toMatchObject({ connection: 'data', state: 'new', decidedBy: { chain: 'inet filter forward', rule: 'policy drop', verdict: 'drop' } });
  expect(describeConnection(connections[1]!)).toBe('data connection dropped as NEW by inet filter forward policy drop');
});

test('a host firewall without a chain on the packet\'s hook: the connection passed unfiltered, and says which hook', () => {
  // Recorded on routed with client-input-only.nft on the client: its own control SYN leaves
  // through output, where only pinhole's observer chain sees it.
  const own = { chain: 'inet pinhole_observer trace_own_tcp', rule: null, verdict: 'accept', policy: true };
  const syn: PacketTrace = { node: 'client', packet: { saddr: '192.168.10.10', sport: 54236, daddr: '203.0.113.10', dport: 21, iif: '', flags: 'syn', payload: 0 }, verdicts: [own] };
  const { connections } = attributeCell({ ...input(), node: 'client', traces: [syn], jobs: [{ host: '203.0.113.10', port: 21, endpoints: [], active: false }] });
  expect(connections).toEqual([{ connection: 'control', packet: '192.168.10.10:54236 -> 203.0.113.10:21', decidedBy: null, path: [], unfiltered: 'output', state: 'new' }]);
  expect(describeConnection(connections[0]!)).toBe('control connection passed as NEW unfiltered: no chain of the rule set is on its path (the output hook)');
});

test('a NAT chain the SYN crosses after the filter never decides it; a drop decides wherever it happens', () => {
  // helper-masquerade's control SYN: accepted in forward, then masqueraded in postrouting.
  const masq = { chain: 'inet nat postrouting', rule: 'oifname "wan0" masquerade', verdict: 'accept', policy: false };
  const syn = trace('192.168.10.10', 34942, '203.0.113.10', 21, [prerouting, { chain: 'inet filter forward', rule: null, handle: 7, verdict: 'accept', policy: false }, masq]);
  const { connections } = attributeCell({ ...input(), traces: [syn], natChains: new Set(['inet nat postrouting']) });
  expect(connections[0]!.decidedBy).toMatchObject({ chain: 'inet filter forward', at: 'nft-helper.nft:17' });
  expect(connections[0]!.path.map((h) => h.rule)).toContain('oifname "wan0" masquerade');
});

test('a later packet a rule dropped is told with its connection, and counts in the rule coverage', () => {
  // established-reply-only.nft: the control SYN accepted, the client's handshake ACK dropped by the policy.
  const syn = trace('192.168.10.10', 47110, '203.0.113.10', 21, [{ chain: 'inet filter forward', rule: null, handle: 7, verdict: 'accept', policy: false }]);
  const policy = { chain: 'inet filter forward', rule: 'policy drop', verdict: 'drop' };
  const ack = { saddr: '192.168.10.10', sport: 47110, daddr: '203.0.113.10', dport: 21, iif: 'lan0', flags: 'ack', payload: 0 };
  const a = attributeCell({ ...input({ traces: [syn] }), laterDrops: [{ packet: ack, hit: policy }] });
  expect(a.connections[0]!.dropped).toEqual({ packet: 'ACK 192.168.10.10:47110 -> 203.0.113.10:21', decidedBy: policy });
  expect(describeConnection(a.connections[0]!)).toMatch(/; then its ACK 192\.168\.10\.10:47110 -> 203\.0\.113\.10:21 dropped by inet filter forward policy drop$/);
  // A dropped packet of another connection is not this one's.
  const other = { ...ack, sport: 47111 };
  expect(attributeCell({ ...input({ traces: [syn] }), laterDrops: [{ packet: other, hit: policy }] }).connections[0]!.dropped).toBeUndefined();
});

test('the ladder labels a later packet that died at the firewall with the rule that dropped it', () => {
  const syn = trace('192.168.10.10', 47110, '203.0.113.10', 21, [{ chain: 'inet filter forward', rule: null, handle: 7, verdict: 'accept', policy: false }]);
  const policy = { chain: 'inet filter forward', rule: 'policy drop', verdict: 'drop' };
  const ack = { saddr: '192.168.10.10', sport: 47110, daddr: '203.0.113.10', dport: 21, iif: 'lan0', flags: 'ack', payload: 0 };
  const attribution = attributeCell({ ...input({ traces: [syn] }), laterDrops: [{ packet: ack, hit: policy }] });
  const at = (label: string, fate: 'crossed' | 'died') => ({ t: 0, connection: 'control', from: 'client' as const, to: 'server' as const, label, src: '192.168.10.10:47110', dst: '203.0.113.10:21', fate });
  const ladder = { firewall: 'fw', clientSide: 'lan0', serverSide: 'wan0', folded: 0, packets: [at('SYN', 'crossed'), at('ACK', 'died')] };
  const drawn = annotateLadder(ladder, attribution).packets;
  expect(drawn[1]!.rule).toBe('drop: inet filter forward policy drop');
  expect(drawn[0]!.rule).toMatch(/^accept: /);
});
