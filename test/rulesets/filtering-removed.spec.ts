// The control experiment's rule set: the filtering taken out of what the kernel holds, on
// listings recorded from this kernel (`nft -j list ruleset`).
import { test, expect } from '@playwright/test';
import { filteringRemoved } from '../../harness/rulesets/filtering-removed.ts';
import { OBSERVER_RULESET, STALLED_CHAIN } from '../../harness/rulesets/observer-ruleset.ts';

test('iptables-nft: DROP rules, the REJECT target (an xt target in nft JSON) and DROP policies go; the rest stays', () => {
  const json = {
    nftables: [
      { chain: { family: 'ip', table: 'filter', name: 'INPUT', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
      { chain: { family: 'ip', table: 'filter', name: 'OUTPUT', handle: 3, type: 'filter', hook: 'output', prio: 0, policy: 'accept' } },
      { chain: { family: 'ip', table: 'filter', name: 'RH-Firewall-1-INPUT', handle: 7 } },
      { rule: { family: 'ip', table: 'filter', chain: 'INPUT', handle: 4, expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 21 } }, { xt: { type: 'match', name: 'string' } }, { counter: { packets: 0, bytes: 0 } }, { drop: null }] } },
      { rule: { family: 'ip', table: 'filter', chain: 'RH-Firewall-1-INPUT', handle: 5, expr: [{ counter: { packets: 0, bytes: 0 } }, { xt: { type: 'target', name: 'REJECT' } }] } },
      { rule: { family: 'ip', table: 'filter', chain: 'INPUT', handle: 6, expr: [{ xt: { type: 'match', name: 'state' } }, { accept: null }] } },
      { rule: { family: 'ip', table: 'raw', chain: 'PREROUTING', handle: 2, expr: [{ xt: { type: 'target', name: 'CT' } }] } },
    ],
  };
  expect(JSON.parse(filteringRemoved(json)!).nftables).toEqual([
    { add: { chain: { family: 'ip', table: 'filter', name: 'INPUT', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } } },
    { delete: { rule: { family: 'ip', table: 'filter', chain: 'INPUT', handle: 4 } } },
    { delete: { rule: { family: 'ip', table: 'filter', chain: 'RH-Firewall-1-INPUT', handle: 5 } } },
  ]);
});

test('nft: drop and reject statements go, NAT, helpers, notrack and the observer table stay', () => {
  const json = {
    nftables: [
      { chain: { family: 'inet', table: 'filter', name: 'forward', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
      { rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 3, expr: [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: 'invalid' } }, { drop: null }] } },
      { rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 4, expr: [{ reject: { type: 'icmpx', expr: 'admin-prohibited' } }] } },
      { rule: { family: 'inet', table: 'filter', chain: 'prerouting', handle: 5, expr: [{ 'ct helper': 'ftp-standard' }] } },
      { rule: { family: 'inet', table: 'filter', chain: 'raw', handle: 6, expr: [{ notrack: null }] } },
      { rule: { family: 'ip', table: 'nat', chain: 'postrouting', handle: 7, expr: [{ masquerade: null }] } },
      { rule: { family: 'inet', table: 'pinhole_observer', chain: 'trace_tcp', handle: 2, expr: [{ drop: null }] } },
    ],
  };
  expect(JSON.parse(filteringRemoved(json)!).nftables).toEqual([
    { add: { chain: { family: 'inet', table: 'filter', name: 'forward', type: 'filter', hook: 'forward', prio: 0, policy: 'accept' } } },
    { delete: { rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 3 } } },
    { delete: { rule: { family: 'inet', table: 'filter', chain: 'forward', handle: 4 } } },
  ]);
  expect(filteringRemoved({ nftables: [] })).toBeUndefined();
});

test("the observer's table traces SYNs always, and every TCP packet through its stalled chain, empty until a job stalls", () => {
  expect(OBSERVER_RULESET).toContain('tcp flags & syn == syn meta nftrace set 1 accept');
  expect(OBSERVER_RULESET).toContain(`jump ${STALLED_CHAIN}`);
  expect(OBSERVER_RULESET).toMatch(new RegExp(`chain ${STALLED_CHAIN} \\{\\s*\\}`));
});
