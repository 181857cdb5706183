// From evidence to pass / blocked / error: the rules that turn packets into outcomes.
import { test, expect } from '@playwright/test';
import { actionOf, classify, classifyBounce, classifyHelperScope, classifyPinholeScope } from '../../harness/scenarios/classify.ts';
import { serverDied } from '../../harness/lab/server-died.ts';
import type { OwnDrop } from '../../harness/scenarios/own-drops.ts';
import type { ProbeFailure, ProbeReport } from '../../harness/probes/probe-protocol.ts';

const report = (failure: ProbeFailure | null, extra: Partial<ProbeReport> = {}): ProbeReport => ({
  id: 1,
  phases: [],
  transcript: ['> PASV', '< 227 Entering Passive Mode (203,0,113,10,195,83).'],
  failure,
  durationMs: 12,
  ...extra,
});
const drop: OwnDrop = {
  node: 'fw',
  chain: 'inet filter forward',
  rule: 'policy drop',
  verdict: { chain: 'inet filter forward', rule: null, verdict: 'drop', policy: true },
  role: { connection: 'data', from: 'client' },
  packet: { saddr: '192.168.10.10', daddr: '203.0.113.10', sport: 40000, dport: 50003, iif: 'lan0', flags: 'syn', payload: 0 },
  at: 0,
};

test('a completed transfer is a pass', () => {
  const o = classify({ report: report(null, { sha256: 'aa' }), drops: [] });
  expect([o.outcome, o.cause]).toEqual(['pass', null]);
});

test('a traced drop of the data SYN is a firewall drop of the data connection, naming node, chain and packet', () => {
  const o = classify({ report: report({ phase: 'data-connect', kind: 'aborted', detail: 'aborted' }), drops: [drop] });
  expect(o.outcome).toBe('blocked');
  expect(o.cause).toBe('firewall-drop: data connection: SYN 192.168.10.10:40000 -> 203.0.113.10:50003 (client to server) dropped at fw by inet filter forward policy drop');
  expect(o.transcript.at(-1)).toContain('dropped at fw');
});

test('an IPv6 drop brackets its addresses, so the port stays readable', () => {
  const packet = { saddr: '2001:db8:20::10', daddr: '2001:db8:10::10', sport: 20, dport: 36105, iif: 'wan0', flags: 'syn', payload: 0 };
  const o = classify({ report: report({ phase: 'data-connect', kind: 'aborted', detail: 'aborted' }), drops: [{ ...drop, packet }] });
  expect(o.cause).toBe('firewall-drop: data connection: SYN [2001:db8:20::10]:20 -> [2001:db8:10::10]:36105 (client to server) dropped at fw by inet filter forward policy drop');
});

test('a traced drop during control connect is a firewall drop of the control connection', () => {
  const o = classify({ report: report({ phase: 'control-connect', kind: 'aborted', detail: 'aborted' }), drops: [{ ...drop, rule: 'tcp dport 21 drop', verdict: { chain: 'inet filter forward', rule: 'tcp dport 21 drop', verdict: 'drop', policy: false }, role: { connection: 'control', from: 'client' }, packet: { ...drop.packet, dport: 21 } }] });
  expect(o.cause).toMatch(/^firewall-drop: control connection: .* by inet filter forward rule "tcp dport 21 drop"$/);
});

test('a refused PORT (bounce protection) is blocked with the server reply', () => {
  const o = classify({ report: report({ phase: 'mode', kind: 'reply', detail: 'x', reply: '500 Illegal PORT command.', replyCode: 500 }), drops: [] });
  expect([o.outcome, o.cause]).toEqual(['blocked', 'server-refused: 500 Illegal PORT command.']);
});

test('425 after the transfer command is a refusal of the data connection', () => {
  const o = classify({ report: report({ phase: 'data-connect', kind: 'reply', detail: 'x', reply: '425 Failed to establish connection.', replyCode: 425 }), drops: [] });
  expect([o.outcome, o.cause]).toEqual(['blocked', 'server-refused: 425 Failed to establish connection.']);
});

test('other server errors are errors, not blocks', () => {
  const o = classify({ report: report({ phase: 'transfer', kind: 'reply', detail: 'x', reply: '550 Permission denied.', replyCode: 550 }), drops: [] });
  expect([o.outcome, o.cause]).toEqual(['error', 'server-error: transfer: 550 Permission denied.']);
});

test('a timeout without a traced drop is an error: pinhole does not guess', () => {
  const o = classify({ report: report({ phase: 'data-connect', kind: 'timeout', detail: 'no progress within 8000 ms' }), drops: [] });
  expect(o.outcome).toBe('error');
  expect(o.cause).toMatch(/^timeout: data-connect: no firewall drop observed/);
});

test('a download with the wrong sha256 is an integrity mismatch', () => {
  const o = classify({ report: report({ phase: 'integrity', kind: 'mismatch', detail: 'sha256 a != expected b' }), drops: [] });
  expect([o.outcome, o.cause]).toEqual(['error', 'integrity-mismatch: sha256 a != expected b']);
});

test('an upload the server stored differently is an integrity mismatch', () => {
  const o = classify({ report: report(null, { sha256: 'sent' }), drops: [], uploads: [{ path: '/upload/x', sent: 'sent', stored: 'other' }] });
  expect(o.outcome).toBe('error');
  expect(o.cause).toBe('integrity-mismatch: /upload/x: sent sha256 sent, server stored sha256 other');
  const missing = classify({ report: report(null, { sha256: 'sent' }), drops: [], uploads: [{ path: '/upload/x', sent: 'sent', stored: undefined }] });
  expect(missing.cause).toContain('server has no stored file');
});

test.describe('security probes', () => {
  const victimSyn = { saddr: '203.0.113.10', daddr: '192.168.10.20', sport: 20, dport: 8021, iif: 'wan0', flags: 'syn', payload: 0 };

  test('a bounce the server refuses is blocked, with the reply', () => {
    const o = classifyBounce({ report: report({ phase: 'mode', kind: 'reply', detail: 'x', reply: '500 Illegal PORT command.', replyCode: 500 }), drops: [], reachedVictim: [], expectations: [], victim: '192.168.10.20' });
    expect([o.outcome, o.cause]).toEqual(['blocked', 'server-refused: 500 Illegal PORT command.']);
  });

  test('a SYN that reached the third host means the bounce got through, whatever else happened', () => {
    const o = classifyBounce({ report: report({ phase: 'data-connect', kind: 'timeout', detail: 't' }), drops: [], reachedVictim: [victimSyn], expectations: [], victim: '192.168.10.20' });
    expect([o.outcome, o.cause]).toEqual(['pass', 'attack-reached: bounce: SYN 203.0.113.10:20 -> 192.168.10.20:8021 crossed the firewall']);
  });

  test('an expectation toward the third host is an opened pinhole', () => {
    const line = 'proto=6 src=203.0.113.10 dst=192.168.10.20 sport=0 dport=8021 helper=ftp';
    const o = classifyBounce({ report: report({ phase: 'data-connect', kind: 'aborted', detail: 'a' }), drops: [], reachedVictim: [], expectations: [line], victim: '192.168.10.20' });
    expect(o.outcome).toBe('pass');
    expect(o.cause).toMatch(/^attack-reached: bounce: the firewall expects a connection to /);
  });

  test('a bounce the server accepted but the firewall dropped is blocked by the firewall', () => {
    const o = classifyBounce({ report: report({ phase: 'data-connect', kind: 'aborted', detail: 'a' }), drops: [{ ...drop, role: { connection: 'data', from: 'server' }, packet: victimSyn }], reachedVictim: [], expectations: [], victim: '192.168.10.20' });
    expect(o.outcome).toBe('blocked');
    expect(o.cause).toMatch(/^firewall-drop: bounce: SYN 203\.0\.113\.10:20 -> 192\.168\.10\.20:8021 \(server to client\) dropped at fw/);
  });

  const passing = { report: report(null), drops: [] };
  test('pinhole scope: neighbour dropped and nothing left after the transfer is blocked', () => {
    const o = classifyPinholeScope({ neighbour: { report: report({ phase: 'data-connect', kind: 'aborted', detail: 'a' }), drops: [drop] }, transfer: passing, expectationsLeft: [] });
    expect(o.outcome).toBe('blocked');
    expect(o.cause).toMatch(/^firewall-drop: neighbour port: SYN .* dropped at fw/);
  });

  test('pinhole scope: a neighbour the server answered with RST crossed the firewall', () => {
    const o = classifyPinholeScope({ neighbour: { report: report({ phase: 'data-connect', kind: 'refused', detail: 'ECONNREFUSED' }, { dataEndpoint: { host: '203.0.113.10', port: 50004 } }), drops: [] }, transfer: passing, expectationsLeft: [] });
    expect([o.outcome, o.cause]).toEqual(['pass', 'attack-reached: neighbour port: 203.0.113.10:50004, next to the announced port, crossed the firewall']);
  });

  test('pinhole scope: an expectation outliving its transfer is an open pinhole', () => {
    const o = classifyPinholeScope({ neighbour: { report: report({ phase: 'data-connect', kind: 'aborted', detail: 'a' }), drops: [drop] }, transfer: passing, expectationsLeft: ['proto=6 ...'] });
    expect([o.outcome, o.cause]).toEqual(['pass', 'attack-reached: expectation left open: proto=6 ...']);
  });
});

test.describe('helper scope (NAT slipstreaming)', () => {
  const slip = (failure: ProbeFailure | null) =>
    report(failure, { transcript: ['> GET / HTTP/1.1', '< HTTP/1.1 200 OK', '> PORT 192,168,10,10,161,75'], dataEndpoint: { host: '192.168.10.10', port: 41291 } });
  const dialDropped: OwnDrop = { ...drop, role: { connection: 'data', from: 'server' }, packet: { saddr: '203.0.113.10', daddr: '192.168.10.10', sport: 47778, dport: 41291, iif: 'wan0', flags: 'syn', payload: 0 } };

  test("the attacker's dial arriving is the attack getting through", () => {
    const o = classifyHelperScope({ report: slip(null), drops: [], expectations: [] });
    expect([o.outcome, o.cause]).toEqual(['pass', 'attack-reached: slipstream: the web server dialled 192.168.10.10:41291 through the firewall after "PORT 192,168,10,10,161,75" in a web connection']);
  });

  test('the dial dropped with no expectation is blocked', () => {
    const o = classifyHelperScope({ report: slip({ phase: 'data-connect', kind: 'aborted', detail: 'a' }), drops: [dialDropped], expectations: [] });
    expect(o.outcome).toBe('blocked');
    expect(o.cause).toMatch(/^firewall-drop: slipstream: SYN 203\.0\.113\.10:47778 -> 192\.168\.10\.10:41291 \(server to client\) dropped at fw .*; no expectation/);
  });

  test('an expectation created from a web connection is an opened pinhole even if the dial was lost', () => {
    const o = classifyHelperScope({ report: slip({ phase: 'data-connect', kind: 'aborted', detail: 'a' }), drops: [dialDropped], expectations: ['proto=6 src=203.0.113.10 dst=192.168.10.10 dport=41291'] });
    expect(o.outcome).toBe('pass');
    expect(o.cause).toMatch(/^attack-reached: slipstream: the helper parsed a web connection: /);
  });

  // Through the IRC helper (Shorewall's AUTOHELPERS): the line is a DCC request, the carrier an IRC connection.
  const dcc = (failure: ProbeFailure | null) => ({ ...slip(failure), transcript: ['> PRIVMSG victim :\x01DCC SEND pinhole 3232238090 41291 1\x01'] });

  test('the IRC server dialling the client after a DCC request: through, and the line said readably', () => {
    const o = classifyHelperScope({ report: dcc(null), drops: [], expectations: [], carrier: 'irc' });
    expect([o.outcome, o.cause]).toEqual(['pass', 'attack-reached: slipstream: the IRC server dialled 192.168.10.10:41291 through the firewall after "PRIVMSG victim :\\x01DCC SEND pinhole 3232238090 41291 1\\x01" in an IRC connection (the IRC helper read it)']);
  });

  test('an IRC expectation, and a dropped IRC connection, in the IRC carrier\'s words', () => {
    const expected = classifyHelperScope({ report: dcc({ phase: 'data-connect', kind: 'aborted', detail: 'a' }), drops: [dialDropped], expectations: ['proto=6 src=0.0.0.0 dst=192.168.10.10 dport=41291 helper=irc'], carrier: 'irc' });
    expect([expected.outcome, expected.cause]).toEqual(['pass', 'attack-reached: slipstream: the IRC helper parsed an IRC connection: proto=6 src=0.0.0.0 dst=192.168.10.10 dport=41291 helper=irc']);
    const ircDropped = { ...drop, packet: { ...drop.packet, dport: 6667 } };
    const dropped = classifyHelperScope({ report: dcc({ phase: 'control-connect', kind: 'aborted', detail: 'a' }), drops: [ircDropped], expectations: [], carrier: 'irc' });
    expect(dropped.outcome).toBe('error');
    expect(dropped.cause).toMatch(/^firewall-drop: the IRC connection itself was dropped/);
  });

  test('a dropped web connection proves nothing: error, not blocked', () => {
    const webDropped = { ...drop, packet: { ...drop.packet, dport: 80 } };
    const o = classifyHelperScope({ report: slip({ phase: 'control-connect', kind: 'aborted', detail: 'a' }), drops: [webDropped], expectations: [] });
    expect(o.outcome).toBe('error');
    expect(o.cause).toMatch(/^firewall-drop: the web connection itself was dropped/);
  });
});

test('a data connection refused by a router at its own address is blocked there, not an error', () => {
  const f = { phase: 'data-connect' as const, kind: 'refused' as const, detail: '203.0.113.254:50004: ECONNREFUSED' };
  const atRouter = classify({ report: report(f), drops: [], refusedByRouter: { node: 'fw', host: '203.0.113.254', port: 50004 } });
  expect(atRouter.outcome).toBe('blocked');
  expect(atRouter.cause).toMatch(/^data-refused-at-router: 203\.0\.113\.254:50004 is fw's own address/);
  // Without that evidence a refusal is the server's business: an error, not a block.
  expect(classify({ report: report(f), drops: [] }).outcome).toBe('error');
});

test.describe('replies of pure-ftpd and proftpd (captured on ftp-servers, masquerade-no-helper)', () => {
  test("pure-ftpd's refusal of a PORT/EPRT naming another host than the control peer is blocked with its reply", () => {
    const reply = "500 I won't open a connection to 192.168.10.10 (only to 203.0.113.254)";
    const o = classify({ report: report({ phase: 'mode', kind: 'reply', detail: 'x', reply, replyCode: 500 }), drops: [] });
    expect([o.outcome, o.cause]).toEqual(['blocked', `server-refused: ${reply}`]);
  });

  const proftpd425 = { phase: 'data-connect' as const, kind: 'reply' as const, detail: 'x', reply: '425 Unable to build data connection: Connection refused', replyCode: 425 };
  const announced = { dataEndpoint: { host: '192.168.10.10', port: 44017 } };

  test("proftpd dialling the control peer (a router's own address) instead of the announced one is blocked at that router", () => {
    const refusedByRouter = { node: 'fw', host: '203.0.113.254', port: 44017, announced: announced.dataEndpoint };
    const o = classify({ report: report(proftpd425, announced), drops: [], refusedByRouter });
    expect(o.outcome).toBe('blocked');
    expect(o.cause).toBe(
      "data-refused-at-router: the server dialled 203.0.113.254:44017, fw's own address (the control connection's peer), not the announced 192.168.10.10:44017; fw neither forwards that port nor expects a connection to it (it answered RST): 425 Unable to build data connection: Connection refused",
    );
  });

  test("without the router's trace, proftpd's 425 is still the server refusing the data connection", () => {
    const o = classify({ report: report(proftpd425, announced), drops: [] });
    expect([o.outcome, o.cause]).toEqual(['blocked', 'server-refused: 425 Unable to build data connection: Connection refused']);
  });

  test("a traced drop of the server's active SYN (from port 20) decides, whatever the server replied", () => {
    const activeDrop: OwnDrop = { ...drop, role: { connection: 'data', from: 'server' }, packet: { saddr: '203.0.113.10', daddr: '192.168.10.10', sport: 20, dport: 44017, iif: 'wan0', flags: 'syn', payload: 0 } };
    const o = classify({ report: report(proftpd425, announced), drops: [activeDrop] });
    expect(o.outcome).toBe('blocked');
    expect(o.cause).toBe('firewall-drop: data connection: SYN 203.0.113.10:20 -> 192.168.10.10:44017 (server to client) dropped at fw by inet filter forward policy drop');
  });
});

test('a server that died during the cell makes it error server-died, even over a traced drop or a pass', () => {
  const gone = 'vsftpd (pid 812 in node server, port 21) killed by SIGKILL';
  const blocked = classify({ report: report({ phase: 'data-connect', kind: 'aborted', detail: 'aborted' }), drops: [drop] });
  const o = serverDied(blocked, gone);
  expect(o.outcome).toBe('error');
  expect(o.cause).toBe(`server-died: the FTP server's process ended during the cell: ${gone}; the probe saw ${blocked.cause}`);
  expect(o.transcript.at(-1)).toBe(`# the FTP server's process ended: ${gone}`);
  const passed = serverDied(classify({ report: report(null), drops: [] }), gone);
  expect([passed.outcome, passed.cause]).toEqual(['error', `server-died: the FTP server's process ended during the cell: ${gone}; the probe saw pass`]);
  // A server still running changes nothing.
  expect(serverDied(blocked, undefined)).toBe(blocked);
});

// Packets other than a SYN, and rejects: as the trace of real runs gave them (routed; the rule sets of suites/ftp-blocking).
test.describe('drops of any packet, and rejects', () => {
  const controlDrop = (flags: string, payload: number, from: 'client' | 'server' = 'client'): OwnDrop => ({
    ...drop,
    role: { connection: 'control', from },
    packet: { saddr: '192.168.10.10', daddr: '203.0.113.10', sport: 47110, dport: 21, iif: 'lan0', flags, payload },
  });

  test("the handshake's ACK dropped before any reply is named so", () => {
    const o = classify({ report: report({ phase: 'greeting', kind: 'aborted', detail: 'a' }, { transcript: [] }), drops: [controlDrop('ack', 0)] });
    expect([o.outcome, o.cause]).toEqual(['blocked', "firewall-drop: control connection: handshake's ACK 192.168.10.10:47110 -> 203.0.113.10:21 (client to server) dropped at fw by inet filter forward policy drop"]);
  });

  test('a command segment dropped names the line it carried and the rule at its file line', () => {
    const hit = { chain: 'ip filter FORWARD', rule: '-A FORWARD -p tcp -m tcp --dport 21 -m string --string "PORT " --algo bm --to 65535 -j DROP', at: 'port-string-drop.rules:14', verdict: 'drop' };
    const d: OwnDrop = { ...controlDrop('psh|ack', 28), chain: 'ip filter FORWARD', rule: 'handle 5', verdict: { chain: 'ip filter FORWARD', rule: null, handle: 5, verdict: 'drop', policy: false }, hit };
    const transcript = ['< 220 (vsFTPd 3.0.3)', '> USER anonymous', '< 331 Please specify the password.', '> PASS ****', '< 230 Login successful.', '> PORT 192,168,10,10,156,64'];
    const o = classify({ report: report({ phase: 'mode', kind: 'aborted', detail: 'a' }, { transcript }), drops: [d] });
    expect(o.cause).toBe(`firewall-drop: control connection: segment carrying "PORT 192,168,10,10,156,64" 192.168.10.10:47110 -> 203.0.113.10:21 (client to server) dropped at fw by ip filter FORWARD rule "${hit.rule}" at port-string-drop.rules:14`);
  });

  test('the action is read from the deciding rule: ICMP rejects of each kind, TCP resets, drops', () => {
    expect(actionOf('reject with icmpx admin-prohibited', false)).toBe('rejected with ICMP admin-prohibited');
    expect(actionOf('reject with icmp type host-prohibited', false)).toBe('rejected with ICMP host-prohibited');
    expect(actionOf('-A RH-Firewall-1-INPUT -j REJECT --reject-with icmp-host-prohibited', false)).toBe('rejected with ICMP host-prohibited');
    expect(actionOf('meta l4proto tcp reject with tcp reset', false)).toBe('reset (rejected with TCP RST)');
    expect(actionOf('-A INPUT -p tcp -j REJECT --reject-with tcp-reset', false)).toBe('reset (rejected with TCP RST)');
    expect(actionOf('reject', false)).toBe('rejected with ICMP port-unreachable');
    expect(actionOf('-A INPUT -j REJECT', false)).toBe('rejected with ICMP port-unreachable');
    expect(actionOf('ct state invalid drop', false)).toBe('dropped');
    expect(actionOf('policy drop', true)).toBe('dropped');
  });

  test('a rejected data SYN is blocked at once, whatever the client saw (EHOSTUNREACH, ECONNREFUSED)', () => {
    const hit = { chain: 'inet firewalld filter_FORWARD', rule: 'reject with icmpx admin-prohibited', at: 'firewalld-zone-reject.nft:31', verdict: 'drop' };
    const d: OwnDrop = { ...drop, chain: 'inet firewalld filter_FORWARD', verdict: { chain: 'inet firewalld filter_FORWARD', rule: null, handle: 9, verdict: 'drop', policy: false }, hit };
    for (const failure of [{ kind: 'error', detail: 'EHOSTUNREACH' }, { kind: 'refused', detail: 'ECONNREFUSED' }] as const) {
      const o = classify({ report: report({ phase: 'data-connect', ...failure }), drops: [d] });
      expect([o.outcome, o.cause]).toEqual(['blocked', 'firewall-drop: data connection: SYN 192.168.10.10:40000 -> 203.0.113.10:50003 (client to server) rejected with ICMP admin-prohibited at fw by inet firewalld filter_FORWARD rule "reject with icmpx admin-prohibited" at firewalld-zone-reject.nft:31']);
    }
  });
});
