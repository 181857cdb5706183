// Parsing `nft monitor trace` lines (nftables 1.0.6 text format, lines captured from a real run).
import { test, expect } from '@playwright/test';
import { parseTraceLine } from '../harness/nodes/drop-observer.ts';

const PACKET =
  'trace id 9576bf7c inet filter forward packet: iif "lan0" oif "wan0" ether saddr 96:7c:07:46:fa:f5 ether daddr 0e:20:50:ae:d1:f4 ' +
  'ip saddr 192.168.10.10 ip daddr 203.0.113.10 ip dscp cs0 ip ecn not-ect ip ttl 63 ip id 28721 ip protocol tcp ip length 60 ' +
  'tcp sport 39508 tcp dport 50001 tcp flags == syn tcp window 64240 ';

test('a packet line gives the addresses and ports', () => {
  expect(parseTraceLine(PACKET)).toEqual({
    id: '9576bf7c',
    chain: 'inet filter forward',
    seen: true,
    packet: { saddr: '192.168.10.10', daddr: '203.0.113.10', sport: 39508, dport: 50001, iif: 'lan0' },
  });
});

test('a base chain policy drop is a drop', () => {
  expect(parseTraceLine('trace id 9576bf7c inet filter forward policy drop ')?.drop).toBe('policy drop');
});

test('an iptables-nft rule with verdict drop names the rule', () => {
  const t = parseTraceLine('trace id dbe63116 ip filter FORWARD rule tcp dport 81 counter packets 0 bytes 0 drop (verdict drop)');
  expect([t?.chain, t?.drop]).toEqual(['ip filter FORWARD', 'tcp dport 81 counter packets 0 bytes 0 drop']);
});

test('an iptables-nft chain policy drop is a drop', () => {
  expect(parseTraceLine('trace id 5de83a2a ip filter FORWARD policy drop ')?.drop).toBe('policy drop');
});

test('accept and continue verdicts are not drops; other text is ignored', () => {
  expect(parseTraceLine('trace id 010c1965 inet filter forward rule tcp dport 21 ct state new accept (verdict accept)')?.drop).toBeUndefined();
  expect(parseTraceLine('trace id 9576bf7c inet pinhole_observer trace_syn policy accept ')?.drop).toBeUndefined();
  expect(parseTraceLine('add table inet filter')).toBeUndefined();
});
