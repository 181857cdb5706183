// Parsing `nft monitor trace` lines (nftables 1.0.6 text format, lines captured from a real run).
import { test, expect } from '@playwright/test';
import { parseTraceLine, tcpFlagNames } from '../../harness/nodes/drop-observer.ts';

const PACKET =
  'trace id 9576bf7c inet filter forward packet: iif "lan0" oif "wan0" ether saddr 96:7c:07:46:fa:f5 ether daddr 0e:20:50:ae:d1:f4 ' +
  'ip saddr 192.168.10.10 ip daddr 203.0.113.10 ip dscp cs0 ip ecn not-ect ip ttl 63 ip id 28721 ip protocol tcp ip length 60 ' +
  'tcp sport 39508 tcp dport 50001 tcp flags == syn tcp window 64240 ';

test('a packet line gives the addresses and ports', () => {
  expect(parseTraceLine(PACKET)).toEqual({
    id: '9576bf7c',
    chain: 'inet filter forward',
    seen: true,
    packet: { saddr: '192.168.10.10', daddr: '203.0.113.10', sport: 39508, dport: 50001, iif: 'lan0', flags: 'syn', payload: 0 },
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
  expect(parseTraceLine('trace id 9576bf7c inet pinhole_observer trace_tcp policy accept ')?.drop).toBeUndefined();
  expect(parseTraceLine('add table inet filter')).toBeUndefined();
});

// IPv6 lines, captured on a dual-stack firewall (2001:db8:10::/64 lan0, 2001:db8:20::/64 wan0).
const PACKET6 =
  'trace id 3223e90f inet filter forward packet: iif "lan0" oif "wan0" ether saddr 16:58:86:b0:be:52 ether daddr 32:67:e9:97:44:05 ' +
  'ip6 saddr 2001:db8:10::10 ip6 daddr 2001:db8:20::10 ip6 dscp cs0 ip6 ecn not-ect ip6 hoplimit 63 ip6 flowlabel 66962 ip6 nexthdr tcp ' +
  'ip6 length 40 tcp sport 56548 tcp dport 50010 tcp flags == syn tcp window 64800 ';

test('an IPv6 packet line gives the addresses and ports', () => {
  expect(parseTraceLine(PACKET6)).toEqual({
    id: '3223e90f',
    chain: 'inet filter forward',
    seen: true,
    packet: { saddr: '2001:db8:10::10', daddr: '2001:db8:20::10', sport: 56548, dport: 50010, iif: 'lan0', flags: 'syn', payload: 0 },
  });
});

test('policy drops of inet, ip6 and ip6tables-nft chains are drops', () => {
  expect(parseTraceLine('trace id 3223e90f inet filter forward policy drop ')?.drop).toBe('policy drop');
  expect(parseTraceLine('trace id b9467c3a ip6 filter6 forward policy drop ')).toEqual({
    id: 'b9467c3a',
    chain: 'ip6 filter6 forward',
    drop: 'policy drop',
    verdict: { chain: 'ip6 filter6 forward', rule: null, verdict: 'drop', policy: true },
    seen: true,
  });
  expect(parseTraceLine('trace id c63aa506 ip6 filter FORWARD policy drop ')?.chain).toBe('ip6 filter FORWARD');
});

test('a rule added after the monitor started is named by its handle, and its drop still counts', () => {
  // `nft monitor trace` reads the rule set once, at start; the harness applies each cell's rule set later.
  expect(parseTraceLine('trace id 1ecbce2e inet filter forward unknown rule handle 4 (verdict drop)')).toEqual({
    id: '1ecbce2e',
    chain: 'inet filter forward',
    drop: 'handle 4',
    verdict: { chain: 'inet filter forward', rule: null, handle: 4, verdict: 'drop', policy: false },
    seen: true,
  });
  expect(parseTraceLine('trace id 5dc478bf ip6 filter FORWARD unknown rule handle 6 (verdict drop)')?.drop).toBe('handle 6');
  expect(parseTraceLine('trace id 989a6591 ip6 filter FORWARD unknown rule handle 5 (verdict accept)')?.drop).toBeUndefined();
});

test('every verdict is kept for attribution: a rule by text or handle, continue and jump, a policy', () => {
  // Recorded on routed with nft-helper: the control SYN's path (harness/evidence/attribution.ts).
  expect(parseTraceLine('trace id 6a1c2e04 inet filter prerouting unknown rule handle 4 (verdict continue)')?.verdict).toEqual({ chain: 'inet filter prerouting', rule: null, handle: 4, verdict: 'continue', policy: false });
  expect(parseTraceLine('trace id 6a1c2e04 inet filter prerouting policy accept ')?.verdict).toEqual({ chain: 'inet filter prerouting', rule: null, verdict: 'accept', policy: true });
  expect(parseTraceLine('trace id 010c1965 inet filter forward rule tcp dport 21 ct state new accept (verdict accept)')?.verdict).toEqual({ chain: 'inet filter forward', rule: 'tcp dport 21 ct state new accept', verdict: 'accept', policy: false });
  expect(parseTraceLine('trace id 010c1965 ip filter INPUT rule jump RH-Firewall-1-INPUT (verdict jump RH-Firewall-1-INPUT)')?.verdict?.verdict).toBe('jump RH-Firewall-1-INPUT');
});

// Every TCP packet is traced (the observer's table marks them all): lines recorded on this kernel.
test('a later packet of a connection gives its flags (nft prints combinations in hex) and its payload', () => {
  const ack = 'trace id 2df88352 inet pinhole_observer trace_tcp packet: iif "phxb" ip saddr 10.9.0.1 ip daddr 10.9.0.2 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 1 ip protocol tcp ip length 52 tcp sport 43134 tcp dport 8080 tcp flags == ack tcp window 63 ';
  expect(parseTraceLine(ack)?.packet).toMatchObject({ flags: 'ack', payload: 0 });
  const push = 'trace id c1096cc6 inet pinhole_observer trace_tcp packet: iif "phxb" ip saddr 10.9.0.1 ip daddr 10.9.0.2 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 2 ip protocol tcp ip length 129 tcp sport 43134 tcp dport 8080 tcp flags == 0x18 tcp window 63 ';
  expect(parseTraceLine(push)?.packet).toMatchObject({ flags: 'psh|ack', payload: 77 });
  expect(tcpFlagNames('0x12')).toBe('syn|ack');
  expect(tcpFlagNames('0x14')).toBe('rst|ack');
  expect(tcpFlagNames('0x11')).toBe('fin|ack');
  expect(tcpFlagNames('syn')).toBe('syn');
  expect(parseTraceLine(PACKET)?.packet).toMatchObject({ flags: 'syn', payload: 0 });
});

test("the fence's datagram is told apart, and a packet that is not TCP is no transfer's", () => {
  const fence = 'trace id 28e344fc inet pinhole_observer trace_own_tcp packet: oif "lo" ip saddr 127.0.0.1 ip daddr 127.0.0.127 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 53419 ip protocol udp ip length 30 udp sport 48911 udp dport 61006 udp length 10 @th,64,16 0x780a ';
  expect(parseTraceLine(fence)).toEqual({ id: '28e344fc', chain: 'inet pinhole_observer trace_own_tcp', seen: true, fence: 61006 });
  const icmp = 'trace id 2c7d735a inet pinhole_observer trace_own_tcp packet: oif "phxb" ip saddr 10.9.0.2 ip daddr 10.9.0.1 ip dscp cs6 ip ecn not-ect ip ttl 64 ip id 14083 ip protocol icmp ip length 88 icmp type destination-unreachable icmp code admin-prohibited ';
  expect(parseTraceLine(icmp)?.packet).toBeUndefined();
});

test('a reject is traced as verdict drop: the rule text says which reject', () => {
  // nft prints the rule; iptables-nft's REJECT target shows as nft's own reject statement.
  expect(parseTraceLine('trace id fc082a52 inet f i rule tcp dport 80 reject with tcp reset (verdict drop)')?.drop).toBe('tcp dport 80 reject with tcp reset');
  expect(parseTraceLine('trace id 76f21366 ip filter INPUT rule tcp dport 83 counter packets 1 bytes 60 reject with icmp type host-prohibited (verdict drop)')?.drop).toBe('tcp dport 83 counter packets 1 bytes 60 reject with icmp type host-prohibited');
});
