// Where each rule of a rule set file is, per chain, in the order the kernel holds them
// (harness/rulesets/rule-lines.ts): the k-th rule of a chain in the file is the k-th in the kernel.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { fileRuleOf, fileRules } from '../../harness/rulesets/rule-lines.ts';

test('nft: rules by chain with their lines; headers, helper objects and comments are not rules', () => {
  const rules = fileRules(readFileSync('suites/ftp-stateful/rulesets/nft-helper.nft', 'utf8'), 'nft');
  expect(Object.fromEntries(rules)).toEqual({
    'inet filter prerouting': [{ line: 11, text: 'tcp dport 21 ct helper set "ftp-standard"' }],
    'inet filter forward': [
      { line: 15, text: 'ct state established accept' },
      { line: 16, text: 'ct state related ct helper "ftp" accept' },
      { line: 17, text: 'iifname "lan0" oifname "wan0" tcp dport 21 ct state new accept' },
    ],
  });
});

test('nft: add rule and insert rule lines, a table without family (ip), trailing comments', () => {
  const text = [
    'table filter {', //                                  1
    '  chain input {', //                                 2
    '    type filter hook input priority 0; policy drop;', // 3
    '    tcp dport 21 accept # the control port', //      4
    '  }',
    '}',
    'add rule ip filter input ct state related accept', // 7
    'insert rule ip filter input iif lo accept', //       8
  ].join('\n');
  expect(fileRules(text, 'nft').get('ip filter input')).toEqual([
    { line: 8, text: 'iif lo accept' },
    { line: 4, text: 'tcp dport 21 accept' },
    { line: 7, text: 'ct state related accept' },
  ]);
});

test('iptables-save: -A lines by table and chain, counters dropped; ip6tables into ip6', () => {
  const rules = fileRules(readFileSync('suites/ftp-stateful/rulesets/iptables-ct-helper.rules', 'utf8'), 'iptables');
  expect(rules.get('ip raw PREROUTING')).toEqual([{ line: 6, text: '-A PREROUTING -p tcp --dport 21 -j CT --helper ftp' }]);
  expect(rules.get('ip filter FORWARD')!.map((r) => r.line)).toEqual([12, 13, 14]);
  expect([...fileRules('*filter\n[3:180] -A FORWARD -j ACCEPT\nCOMMIT\n', 'ip6tables')]).toEqual([['ip6 filter FORWARD', [{ line: 2, text: '-A FORWARD -j ACCEPT' }]]]);
});

test('a kernel handle maps to the file rule at its place; a chain read differently maps to nothing', () => {
  const rules = fileRules(readFileSync('suites/ftp-stateful/rulesets/nft-helper.nft', 'utf8'), 'nft');
  expect(fileRuleOf(rules, 'inet filter forward', [5, 6, 7], 6)).toEqual({ line: 16, text: 'ct state related ct helper "ftp" accept' });
  // The kernel holds a rule more than the file gives the chain: no line is better than a wrong one.
  expect(fileRuleOf(rules, 'inet filter forward', [5, 6, 7, 8], 6)).toBeUndefined();
  expect(fileRuleOf(rules, 'inet filter output', [2], 2)).toBeUndefined();
});

test('statements over several lines are one rule at their first line; shapes it does not follow give no lines, never wrong ones', () => {
  const text = [
    'table inet filter {', //                                            1
    '  chain forward {', //                                              2
    '    type filter hook forward priority 0; policy drop;', //          3
    '    ct state vmap {', //                                            4
    '      established : accept,',
    '      related : accept',
    '    }',
    '    iifname "lan0" oifname "wan0" \\', //                           8
    '      tcp dport 21 accept',
    '    ip saddr { 192.168.10.10,', //                                  10
    '               192.168.10.11 } tcp dport 990 accept comment "a # in a comment"',
    '  }',
    '  chain input { type filter hook input priority 0; policy accept; }', // 13: a one-line chain
    '  chain output {', //                                               14
    '    type filter hook output priority 0; policy accept;',
    '    oif lo accept; tcp dport 20 accept', //                         16: two statements on a line
    '  }',
    '}',
    'add rule inet filter forward index 0 tcp dport 8021 drop', //       19: not appended
  ].join('\n');
  const rules = fileRules(text, 'nft');
  expect(rules.get('inet filter forward')).toEqual([]);
  expect(fileRuleOf(rules, 'inet filter forward', [4, 5, 6, 7], 5)).toBeUndefined();
  expect(fileRuleOf(rules, 'inet filter output', [9, 10], 9)).toBeUndefined();
  // Without the reordering line, the forward chain reads right: three rules at their first lines.
  const plain = fileRules(text.split('\n').slice(0, 12).concat(['}']).join('\n'), 'nft');
  expect(plain.get('inet filter forward')!.map((r) => r.line)).toEqual([4, 8, 10]);
  expect(plain.get('inet filter forward')![1]!.text).toBe('iifname "lan0" oifname "wan0" tcp dport 21 accept');
  expect(plain.get('inet filter forward')![2]!.text).toContain('comment "a # in a comment"');
  // An include can hold anything: no lines at all.
  expect(fileRules(`include "./more.nft"\n${text.split('\n').slice(0, 12).join('\n')}\n}`, 'nft').size).toBe(0);
});
