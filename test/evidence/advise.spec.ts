// Advice candidates: each is written in the rule set's own format, and every candidate for
// every rule set of the built-in suites must load with the real tools (nft -c, iptables-restore
// --test, in a throw-away namespace). Whether a candidate fixes a cell is decided by re-running
// the cell (lab.advise), never here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { addToTable, adviceCandidates, type AdviceInput } from '../../harness/evidence/advise.ts';
import { nftStructure } from '../../harness/evidence/nft-structure.ts';
import { detectFormat } from '../../harness/rulesets/load-ruleset.ts';
import { CAUSE_CODES } from '../../harness/model.ts';
import { loadedRuleset, rulesetParses } from '../support/scratch-netns.ts';

const server = { address: '203.0.113.10', port: 21, passivePorts: { min: 50000, max: 50010 } };

function inputFor(text: string, over: Partial<AdviceInput>): AdviceInput {
  const format = detectFormat(text);
  return { code: 'no-helper', mode: 'PORT', family: 'ipv4', tls: 'none', format, structure: nftStructure(loadedRuleset(text, format).json), server, ...over };
}

test('nft: a missing helper gets a helper object and a rule in the forward chain, then the RELATED accept', () => {
  const text = readFileSync('suites/ftp-stateful/rulesets/no-helper.nft', 'utf8');
  const [helper, both] = adviceCandidates(inputFor(text, {}));
  expect(helper!.change).toBe('add ct helper inet filter ftp { type "ftp" protocol tcp; l3proto inet; }\ninsert rule inet filter forward tcp dport 21 ct helper set "ftp"');
  expect(both!.change).toBe(`${helper!.change}\ninsert rule inet filter forward ct state related accept`);
  expect(both!.apply(text).startsWith(text)).toBe(true);
});

test('nft: an existing ftp helper object is reused, not declared twice', () => {
  const text = readFileSync('suites/ftp-stateful/rulesets/helper-wrong-port.nft', 'utf8');
  const [first] = adviceCandidates(inputFor(text, {}));
  expect(first!.change).toMatch(/^insert rule inet filter forward tcp dport 21 ct helper set "[^"]+"$/);
});

test('iptables: lines go under their table, before COMMIT; a missing table is added whole', () => {
  const text = '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j DROP\nCOMMIT\n';
  expect(addToTable(text, 'filter', '-I FORWARD -j ACCEPT', ':FORWARD ACCEPT [0:0]')).toBe('*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j DROP\n-I FORWARD -j ACCEPT\nCOMMIT\n');
  expect(addToTable(text, 'raw', '-A PREROUTING -p tcp --dport 21 -j CT --helper ftp', ':PREROUTING ACCEPT [0:0]')).toBe(
    `${text}*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 21 -j CT --helper ftp\nCOMMIT\n`,
  );
  const [helper] = adviceCandidates(inputFor(text, {}));
  expect(helper!.change).toBe('*raw\n-A PREROUTING -p tcp --dport 21 -j CT --helper ftp');
});

test('TLS hides the control channel: a static range for passive modes, the server\'s port 20 for active ones', () => {
  const text = readFileSync('suites/ftp-stateful/rulesets/nft-helper.nft', 'utf8');
  expect(adviceCandidates(inputFor(text, { code: 'tls-blind', mode: 'EPSV' })).map((c) => c.change)).toEqual(['insert rule inet filter forward ip daddr 203.0.113.10 tcp dport 50000-50010 ct state new accept']);
  expect(adviceCandidates(inputFor(text, { code: 'tls-blind', mode: 'PORT', family: 'ipv4' })).map((c) => c.change)).toEqual(['insert rule inet filter forward ip saddr 203.0.113.10 tcp sport 20 ct state new accept']);
});

test('causes no rule change can address get no candidate', () => {
  const text = readFileSync('suites/ftp-stateful/rulesets/nft-helper.nft', 'utf8');
  for (const code of ['server-refused', 'integrity-mismatch', 'timeout', 'attack-reached'] as const) expect(adviceCandidates(inputFor(text, { code }))).toEqual([]);
});

test('host firewalls: fixes go where each connection crosses the host, a helper chain is added where none is', () => {
  const server = readFileSync('suites/ftp-host-firewall/rulesets/server-input-output-drop.nft', 'utf8');
  // On the server, passive data arrives (input) and active data leaves (output); the control connection arrives.
  expect(adviceCandidates(inputFor(server, { placement: 'server', mode: 'EPSV', code: 'firewall-drop' })).map((c) => c.change)).toEqual([
    'insert rule inet filter input ct state related accept',
    'insert rule inet filter input ip daddr 203.0.113.10 tcp dport 21 ct state new accept',
  ]);
  expect(adviceCandidates(inputFor(server, { placement: 'server', mode: 'PORT', code: 'firewall-drop' }))[0]!.change).toBe('insert rule inet filter output ct state related accept');
  expect(adviceCandidates(inputFor(server, { placement: 'server', mode: 'PORT' }))[0]!.change).toBe('add ct helper inet filter ftp { type "ftp" protocol tcp; l3proto inet; }\ninsert rule inet filter input tcp dport 21 ct helper set "ftp"');
  // The client's own control SYN leaves through output: an INPUT-only client gets a chain there.
  const client = readFileSync('suites/ftp-host-firewall/rulesets/client-input-only.nft', 'utf8');
  expect(adviceCandidates(inputFor(client, { placement: 'client', mode: 'PORT' }))[0]!.change).toBe(
    'add ct helper inet filter ftp { type "ftp" protocol tcp; l3proto inet; }\nadd chain inet filter ftp_helper { type filter hook output priority 0; policy accept; }\ninsert rule inet filter ftp_helper tcp dport 21 ct helper set "ftp"',
  );
  // iptables: the CT target in raw OUTPUT for the client, raw PREROUTING for the server.
  const rh = readFileSync('suites/ftp-host-firewall/rulesets/server-rh-firewall.rules', 'utf8');
  expect(adviceCandidates(inputFor(rh, { placement: 'client', mode: 'PORT' }))[0]!.change).toBe('*raw\n-A OUTPUT -p tcp --dport 21 -j CT --helper ftp');
  expect(adviceCandidates(inputFor(rh, { placement: 'server', mode: 'EPSV' }))[0]!.change).toBe('*raw\n-A PREROUTING -p tcp --dport 21 -j CT --helper ftp');
});

// A later packet than the SYN dropped (suites/ftp-blocking): the connection was let in, so the
// fixes are about established traffic and the raw table's order, not the helper.
test('a dropped handshake ACK: accept established traffic both ways (nft and iptables)', () => {
  const nft = readFileSync('suites/ftp-blocking/rulesets/established-reply-only.nft', 'utf8');
  expect(adviceCandidates(inputFor(nft, { code: 'firewall-drop', laterPacket: true }))[0]!.change).toBe('insert rule inet filter forward ct state established accept');
  const ipt = readFileSync('suites/ftp-blocking/rulesets/port-string-drop.rules', 'utf8');
  expect(adviceCandidates(inputFor(ipt, { code: 'firewall-drop', laterPacket: true }))[0]!.change).toBe('*filter\n-I FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT');
});

test('raw sanity drops after the CT rule: the move makes the raw table the one verified to pass', () => {
  const after = readFileSync('suites/ftp-blocking/rulesets/raw-sanity-after-ct.rules', 'utf8');
  const before = readFileSync('suites/ftp-blocking/rulesets/raw-sanity-before-ct.rules', 'utf8');
  const moved = adviceCandidates(inputFor(after, { code: 'firewall-drop', laterPacket: true })).find((c) => c.change.includes('move the -j CT'));
  const rules = (text: string) => text.split('\n').filter((l) => l.startsWith('-A '));
  expect(rules(moved!.apply(after))).toEqual(rules(before));
  // Nothing to move where the CT rule is already last.
  expect(moved!.apply(before)).toBe(before);
});

// Every candidate for every built-in rule set loads: advice a user pastes must not be a syntax error.
const suiteRulesets = readdirSync('suites').flatMap((suite) => {
  try {
    return readdirSync(join('suites', suite, 'rulesets')).map((f) => join('suites', suite, 'rulesets', f));
  } catch {
    return [];
  }
});
for (const file of suiteRulesets) {
  test(`every candidate for ${file} loads`, () => {
    const text = readFileSync(file, 'utf8');
    const base = inputFor(text, {});
    // An nft file may filter either family (an ip6-only table, as packetpath-nat-ftp's): both are asked.
    const families = base.format === 'ip6tables' ? (['ipv6'] as const) : base.format === 'nft' ? (['ipv4', 'ipv6'] as const) : (['ipv4'] as const);
    const v6server = { ...server, address: '2001:db8:20::10' };
    // Many causes share candidates: each distinct change is loaded once.
    const changes = new Map<string, string>();
    for (const family of families) {
      for (const code of CAUSE_CODES) {
        for (const mode of ['PORT', 'EPSV'] as const) {
          for (const placement of ['forward', 'server', 'client'] as const) {
            for (const laterPacket of [false, true]) {
              for (const c of adviceCandidates({ ...base, code, mode, family, placement, laterPacket, ...(family === 'ipv6' ? { server: v6server } : {}) })) changes.set(c.change, c.apply(text));
            }
          }
        }
      }
    }
    for (const [change, applied] of changes) {
      const r = rulesetParses(applied, base.format);
      expect(r.ok, `${change}\n${r.stderr}`).toBe(true);
    }
    const checked = changes.size;
    expect(checked).toBeGreaterThan(0);
  });
}
