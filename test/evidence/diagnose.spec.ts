// Diagnosis from the firewall's conntrack state: the rules that turn "the data SYN was dropped"
// into no-helper, helper-before-conntrack, no-expectation, tls-blind, firewall-drop or
// nat-not-rewritten. States are real `conntrack -L` lines and /proc/net/stat/nf_conntrack
// counters recorded from the routed topology; rule set structure comes from the real nft.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { diagnose, type DiagnosisInput } from '../../harness/evidence/diagnose.ts';
import { parseConntrackLine, type FirewallState } from '../../harness/evidence/firewall-state.ts';
import { parseExpectCounters } from '../../harness/rulesets/ruleset-listing.ts';
import { assignmentsBeforeConntrack, nftStructure, ruleText } from '../../harness/evidence/nft-structure.ts';
import { causeCode, CAUSE_CODES } from '../../harness/model.ts';
import { loadedRuleset } from '../support/scratch-netns.ts';

const CONTROL_NO_HELPER = 'tcp      6 120 TIME_WAIT src=192.168.10.10 dst=203.0.113.10 sport=38798 dport=21 src=203.0.113.10 dst=192.168.10.10 sport=21 dport=38798 [ASSURED] mark=0 use=1';
const CONTROL_HELPER = 'tcp      6 9 CLOSE src=192.168.10.10 dst=203.0.113.10 sport=38782 dport=21 src=203.0.113.10 dst=192.168.10.10 sport=21 dport=38782 [ASSURED] mark=0 helper=ftp use=2';
const CONTROL_MASQUERADED = 'tcp      6 119 TIME_WAIT src=192.168.10.10 dst=203.0.113.10 sport=38834 dport=21 src=203.0.113.10 dst=203.0.113.254 sport=21 dport=38834 [ASSURED] mark=0 use=1';
const COUNTERS = (create: number, matched: number) =>
  [
    'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart',
    `00000002  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000  ${matched.toString(16).padStart(8, '0')} ${create.toString(16).padStart(8, '0')} 00000001 00000000`,
    '00000002  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000000',
  ].join('\n');

const DROP = 'SYN 203.0.113.10:20 -> 192.168.10.10:38267 dropped at fw by inet filter forward policy drop';

function state(lines: string[], counters: string, rulesetFile = 'suites/ftp-stateful/rulesets/no-helper.nft'): { state: FirewallState } {
  const { json, listing } = loadedRuleset(readFileSync(rulesetFile, 'utf8'));
  return {
    state: { entries: lines.flatMap((l) => parseConntrackLine(l) ?? []), expectations: [], counters: parseExpectCounters(counters), ruleset: listing, structure: nftStructure(json), saved: undefined, raw: {} },
  };
}

const input = (over: Partial<DiagnosisInput> & Pick<DiagnosisInput, 'state'>): DiagnosisInput => ({
  cause: `firewall-drop: data connection: ${DROP}`,
  mode: 'PORT',
  tls: 'none',
  control: { host: '203.0.113.10', port: 21 },
  announced: { host: '192.168.10.10', port: 38267 },
  firewall: 'fw',
  before: { created: 1, matched: 0 },
  ...over,
});

test('conntrack lines: both tuples, and the helper when one is attached', () => {
  const e = parseConntrackLine(CONTROL_MASQUERADED)!;
  expect(e.orig).toEqual({ src: '192.168.10.10', dst: '203.0.113.10', sport: 38834, dport: 21 });
  expect(e.reply.dst).toBe('203.0.113.254');
  expect(e.helper).toBeUndefined();
  expect(parseConntrackLine(CONTROL_HELPER)!.helper).toBe('ftp');
  expect(parseConntrackLine('conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.')).toBeUndefined();
});

test('expectation counters are summed over CPUs, from hexadecimal', () => {
  expect(parseExpectCounters(COUNTERS(0x1a, 2))).toEqual({ created: 0x1a, matched: 2 });
  expect(parseExpectCounters(`${COUNTERS(1, 0)}\n${COUNTERS(2, 3).split('\n')[1]}`)).toEqual({ created: 3, matched: 3 });
  expect(parseExpectCounters('')).toEqual({ created: 0, matched: 0 });
});

test('no helper on the control connection: no-helper', () => {
  const s = state([CONTROL_NO_HELPER], COUNTERS(1, 0));
  const cause = diagnose(input(s));
  expect(causeCode(cause)).toBe('no-helper');
  expect(cause).toContain('192.168.10.10:38798 -> 203.0.113.10:21 without helper=ftp');
  expect(cause).toContain(DROP);
});

test('a helper set in a chain before conntrack: helper-before-conntrack, naming the rule and its priority', () => {
  const rs = readFileSync('suites/ftp-stateful/rulesets/nft-helper.nft', 'utf8').replace('priority filter; policy accept;', 'priority raw; policy accept;');
  const { json, listing } = loadedRuleset(rs);
  const structure = nftStructure(json);
  expect(assignmentsBeforeConntrack(structure)).toEqual([expect.objectContaining({ chain: 'prerouting', prio: -300, hook: 'prerouting', helper: 'ftp-standard' })]);
  const st: FirewallState = { ...state([CONTROL_NO_HELPER], COUNTERS(1, 0)).state, ruleset: listing, structure };
  const cause = diagnose(input({ state: st }));
  expect(causeCode(cause)).toBe('helper-before-conntrack');
  expect(cause).toContain('rule \'tcp dport 21 ct helper set "ftp-standard"\' in chain inet filter prerouting (hook prerouting, priority -300)');
});

test('a helper that created no expectation: no-expectation', () => {
  const s = state([CONTROL_HELPER], COUNTERS(1, 0), 'suites/ftp-stateful/rulesets/nft-helper.nft');
  expect(causeCode(diagnose(input(s)))).toBe('no-expectation');
});

test('an expectation that was used, then dropped by the rule set: firewall-drop saying RELATED', () => {
  const s = state([CONTROL_HELPER], COUNTERS(2, 1), 'suites/ftp-stateful/rulesets/nft-helper.nft');
  const cause = diagnose(input(s));
  expect(causeCode(cause)).toBe('firewall-drop');
  expect(cause).toContain('RELATED');
});

test('a drop by another node\'s fixed rule set: fixed-ruleset-drop, whatever the firewall under test expected', () => {
  // Recorded on topology server-firewall: nft-helper on fw expected the passive data connection
  // (expect_new counted it), and the server's own INPUT chain dropped it.
  const s = state([CONTROL_HELPER], COUNTERS(2, 1), 'suites/ftp-stateful/rulesets/nft-helper.nft');
  const drop = 'SYN 192.168.10.10:49846 -> 203.0.113.10:50008 dropped at server by inet filter input policy drop';
  const cause = diagnose(input({ ...s, mode: 'PASV', cause: `firewall-drop: data connection: ${drop}`, dropAt: 'server' }));
  expect(cause).toBe(`fixed-ruleset-drop: data connection: ${drop}: the topology's own rule set on server, not the rule set under test on fw`);
  // The same drop at the firewall under test is that rule set's own: firewall-drop saying RELATED.
  expect(diagnose(input({ ...s, mode: 'PASV', cause: `firewall-drop: data connection: ${drop}`, dropAt: 'fw' }))).toContain('RELATED');
});

test('TLS on the control connection and no expectation: tls-blind, for active and passive', () => {
  const s = state([CONTROL_HELPER], COUNTERS(1, 0), 'suites/ftp-stateful/rulesets/nft-helper.nft');
  expect(causeCode(diagnose(input({ ...s, tls: 'explicit' })))).toBe('tls-blind');
  expect(diagnose(input({ ...s, tls: 'implicit', mode: 'PASV' }))).toContain('implicit FTPS');
});

test('PORT refused behind masquerade without helper: nat-not-rewritten, naming both addresses', () => {
  const s = state([CONTROL_MASQUERADED], COUNTERS(1, 0), 'suites/ftp-stateful/rulesets/masquerade-no-helper.nft');
  const cause = diagnose(input({ ...s, cause: 'server-refused: 500 Illegal PORT command.' }));
  expect(causeCode(cause)).toBe('nat-not-rewritten');
  expect(cause).toContain('PORT named 192.168.10.10, but fw translates the control connection\'s source 192.168.10.10 to 203.0.113.254');
  expect(cause).toMatch(/500 Illegal PORT command\.$/);
});

test('a refusal the evidence does not explain keeps its classified cause', () => {
  const s = state([CONTROL_NO_HELPER], COUNTERS(1, 0));
  // Not NATed, and the server saw the address PORT named: nothing to refine.
  expect(diagnose(input({ ...s, cause: 'server-refused: 500 Illegal PORT command.' }))).toBe('server-refused: 500 Illegal PORT command.');
  // No control connection entry at all: the state says nothing about this cell.
  expect(diagnose(input({ ...state([], COUNTERS(1, 0)) }))).toBe(`firewall-drop: data connection: ${DROP}`);
});

test('every code is one word of the contract', () => {
  for (const c of CAUSE_CODES) expect(c).toMatch(/^[a-z]+(-[a-z]+)*$/);
  expect(causeCode('no-helper: x')).toBe('no-helper');
  expect(causeCode('data-blocked: x')).toBeUndefined();
  expect(ruleText('table inet t { # handle 1\n\tchain c { # handle 2\n\t\tcounter accept # handle 3\n', { family: 'inet', table: 't', handle: 3 })).toBe('counter accept');
});

test('a data drop while the control connection is not tracked (notrack) is no-helper, naming the notrack rule', () => {
  // notrack-control.nft: conntrack held no entry for the control connection at all.
  const { state: s } = state([], COUNTERS(0, 0), 'suites/ftp-blocking/rulesets/notrack-control.nft');
  const cause = diagnose(input({ state: s }));
  expect(cause).toBe(`no-helper: conntrack holds no entry for the control connection to 203.0.113.10:21: it is not tracked (rule 'tcp dport 21 notrack'), so no helper can read its commands and nothing expected the data connection: ${DROP}`);
  // Without a notrack rule, a missing entry says nothing more.
  expect(diagnose(input({ state: state([], COUNTERS(0, 0)).state }))).toBe(`firewall-drop: data connection: ${DROP}`);
});
