// Drop attribution on drops as the firewall traced them in real runs (routed: client
// 192.168.10.10, server 203.0.113.10, passive range 50000-50010; masquerade rewrites the client to
// 203.0.113.254): which drops are the cell's own and may decide it, and which are not.
import { test, expect } from '@playwright/test';
import type { DropEvent } from '../../harness/nodes/drop-observer.ts';
import { ownRole } from '../../harness/scenarios/own-drops.ts';

/** Whether the drop is the job's own: it has a role in the job. */
const isOwnDrop = (...args: Parameters<typeof ownRole>) => ownRole(...args) !== undefined;

const drop = (saddr: string, sport: number, daddr: string, dport: number, iif = 'lan0', flags = 'syn', payload = 0): DropEvent => ({
  node: 'fw',
  chain: 'inet filter forward',
  rule: 'policy drop',
  verdict: { chain: 'inet filter forward', rule: null, verdict: 'drop', policy: true },
  packet: { saddr, sport, daddr, dport, iif, flags, payload },
  at: 0,
});

const CONTROL = { host: '203.0.113.10', port: 21 };

test('the control connection the job dials is its own before any endpoint is known', () => {
  const syn = drop('192.168.10.10', 39508, '203.0.113.10', 21);
  expect(isOwnDrop(syn, { ...CONTROL, mode: 'PASV' }, [])).toBe(true);
  // The same SYN to another port (an earlier cell's session to 990) is not this job's.
  expect(isOwnDrop(drop('192.168.10.10', 39508, '203.0.113.10', 990), { ...CONTROL, mode: 'PASV' }, [])).toBe(false);
});

test('passive: the data SYN to the announced address and port, nothing else', () => {
  const job = { ...CONTROL, mode: 'EPSV' as const };
  const announced = [{ host: '203.0.113.10', port: 50003 }];
  expect(isOwnDrop(drop('192.168.10.10', 40112, '203.0.113.10', 50003), job, announced)).toBe(true);
  // Same port on another address: a published address the firewall never forwards is not this SYN.
  expect(isOwnDrop(drop('192.168.10.10', 40112, '198.51.100.10', 50003), job, announced)).toBe(false);
  // A neighbour port of the range before the endpoint is known, or another port after: not own.
  expect(isOwnDrop(drop('192.168.10.10', 40112, '203.0.113.10', 50004), job, [])).toBe(false);
  expect(isOwnDrop(drop('192.168.10.10', 40112, '203.0.113.10', 50004), job, announced)).toBe(false);
});

test('active: the server\'s SYN from port 20 to the announced port, whatever NAT made of the address', () => {
  const job = { ...CONTROL, mode: 'PORT' as const };
  // PORT announced 192.168.10.10,155,33 (39713); behind masquerade nf_nat_ftp rewrote it to the
  // router's address, keeping the port: the server dials 203.0.113.254:39713.
  const announced = [{ host: '192.168.10.10', port: 39713 }];
  expect(isOwnDrop(drop('203.0.113.10', 20, '203.0.113.254', 39713, 'wan0'), job, announced)).toBe(true);
  // An earlier, aborted cell's server still dialling its own port is not this cell's drop.
  expect(isOwnDrop(drop('203.0.113.10', 20, '192.168.10.10', 41002, 'wan0'), job, announced)).toBe(false);
});

test('a security probe widens "own" to what it aims at', () => {
  const job = { ...CONTROL, mode: 'PORT' as const };
  const toVictim = drop('203.0.113.10', 20, '192.168.10.20', 8021, 'wan0');
  expect(isOwnDrop(toVictim, job, [])).toBe(false);
  expect(isOwnDrop(toVictim, job, [], (d) => d.packet.daddr === '192.168.10.20')).toBe(true);
});

test('a reply dropped on its way back (no `ct state established` rule) is own only when it answers a SYN of this cell', () => {
  // The server's SYN-ACK to the control SYN, dropped at fw: recorded with dead-rule.nft minus its established rule.
  const job = { ...CONTROL, mode: 'PASV' as const };
  const syn = (saddr: string, sport: number, daddr: string, dport: number) => ({ saddr, sport, daddr, dport, iif: 'lan0', flags: 'syn', payload: 0 });
  const sent = [syn('192.168.10.10', 39508, '203.0.113.10', 21)];
  expect(isOwnDrop(drop('203.0.113.10', 21, '192.168.10.10', 39508, 'wan0', 'syn|ack'), job, [], undefined, sent)).toBe(true);
  // A server still retransmitting an earlier cell's SYN-ACK (to another client port) answers no SYN of this cell.
  expect(isOwnDrop(drop('203.0.113.10', 21, '192.168.10.10', 39444, 'wan0', 'syn|ack'), job, [], undefined, sent)).toBe(false);
  // The data connection's SYN-ACK: from the passive endpoint, or (active) from the announced client port.
  const passive = [...sent, syn('192.168.10.10', 40112, '203.0.113.10', 50003)];
  expect(isOwnDrop(drop('203.0.113.10', 50003, '192.168.10.10', 40112, 'wan0', 'syn|ack'), job, [{ host: '203.0.113.10', port: 50003 }], undefined, passive)).toBe(true);
  const active = [syn('203.0.113.10', 20, '192.168.10.10', 39317)];
  expect(isOwnDrop(drop('192.168.10.10', 39317, '203.0.113.10', 20, 'lan0', 'syn|ack'), { ...CONTROL, mode: 'PORT' }, [{ host: '192.168.10.10', port: 39317 }], undefined, active)).toBe(true);
});

// Later packets of a connection, traced since every TCP packet is (nftables trace of real runs:
// established-reply-only.nft drops the client's handshake ACK; port-string-drop.rules the PORT segment).
test('a later packet is own when its connection\'s SYN was sent in this cell, one way round or the other', () => {
  const job = { ...CONTROL, mode: 'PORT' as const };
  const controlSyn = { saddr: '192.168.10.10', sport: 47110, daddr: '203.0.113.10', dport: 21, iif: 'lan0', flags: 'syn', payload: 0 };
  const handshakeAck = drop('192.168.10.10', 47110, '203.0.113.10', 21, 'lan0', 'ack', 0);
  expect(ownRole(handshakeAck, job, [], undefined, [controlSyn])).toEqual({ connection: 'control', from: 'client' });
  const portSegment = drop('192.168.10.10', 47110, '203.0.113.10', 21, 'lan0', 'psh|ack', 28);
  expect(ownRole(portSegment, job, [], undefined, [controlSyn])).toEqual({ connection: 'control', from: 'client' });
  // The server's reply, its destination rewritten back by masquerade (203.0.113.254), still matches by ports.
  const reply = drop('203.0.113.10', 21, '203.0.113.254', 47110, 'wan0', 'psh|ack', 40);
  expect(ownRole(reply, job, [], undefined, [controlSyn])).toEqual({ connection: 'control', from: 'server' });
  // An active data connection's segment from the client back to the server (the server dialled).
  const dataSyn = { saddr: '203.0.113.10', sport: 20, daddr: '192.168.10.10', dport: 39317, iif: 'wan0', flags: 'syn', payload: 0 };
  const dataAck = drop('192.168.10.10', 39317, '203.0.113.10', 20, 'lan0', 'ack', 0);
  expect(ownRole(dataAck, job, [{ host: '192.168.10.10', port: 39317 }], undefined, [controlSyn, dataSyn])).toEqual({ connection: 'data', from: 'client' });
});

test('a later packet of a connection this cell did not open is not its own, nor is any reset', () => {
  const job = { ...CONTROL, mode: 'PASV' as const };
  // An earlier cell's control connection: its FIN arrives after the flush, and a rule set drops it as NEW.
  expect(isOwnDrop(drop('192.168.10.10', 39444, '203.0.113.10', 21, 'lan0', 'fin|ack', 0), job, [], undefined, [])).toBe(false);
  const controlSyn = { saddr: '192.168.10.10', sport: 47110, daddr: '203.0.113.10', dport: 21, iif: 'lan0', flags: 'syn', payload: 0 };
  expect(isOwnDrop(drop('192.168.10.10', 47110, '203.0.113.10', 21, 'lan0', 'rst|ack', 0), job, [], undefined, [controlSyn])).toBe(false);
});
