// Parsing of the FTP replies and commands that carry data endpoints (RFC 959, RFC 2428).
import { test, expect } from '@playwright/test';
import { ReplyReader, formatEprtArgument, formatPortArgument, parse227, parse229, parseEprtArgument, parsePortArgument } from '../../harness/probes/ftp-replies.ts';

test.describe('227 (PASV)', () => {
  test('port is p1*256+p2', () => {
    expect(parse227('227 Entering Passive Mode (203,0,113,10,195,83).')).toEqual({ host: '203.0.113.10', port: 195 * 256 + 83 });
  });
  test('tolerates spaces and missing parentheses, as servers vary', () => {
    expect(parse227('227 =192, 168, 10, 254, 4, 1')).toEqual({ host: '192.168.10.254', port: 1025 });
  });
  test('rejects numbers above 255 and missing fields', () => {
    expect(() => parse227('227 Entering Passive Mode (203,0,113,10,300,1)')).toThrow(/above 255/);
    expect(() => parse227('227 Entering Passive Mode (203,0,113,10)')).toThrow(/cannot parse 227/);
  });
});

test.describe('229 (EPSV)', () => {
  test('reads the port between the delimiters', () => {
    expect(parse229('229 Entering Extended Passive Mode (|||50007|)')).toBe(50007);
  });
  test('any delimiter character, used consistently', () => {
    expect(parse229('229 Entering Extended Passive Mode (!!!2121!)')).toBe(2121);
    expect(() => parse229('229 Entering Extended Passive Mode (|!|2121|)')).toThrow(/cannot parse 229/);
  });
  test('rejects an out-of-range port', () => {
    expect(() => parse229('229 Entering Extended Passive Mode (|||70000|)')).toThrow(/out of range/);
  });
});

test.describe('PORT and EPRT arguments', () => {
  test('PORT splits the port into two bytes', () => {
    expect(formatPortArgument('192.168.10.10', 50001)).toBe('192,168,10,10,195,81');
    expect(parse227(`227 (${formatPortArgument('10.0.0.1', 20)})`)).toEqual({ host: '10.0.0.1', port: 20 });
  });
  test('PORT is IPv4 only', () => {
    expect(() => formatPortArgument('2001:db8::1', 21)).toThrow(/IPv4/);
  });
  test('EPRT names the address family', () => {
    expect(formatEprtArgument('192.168.10.10', 40000)).toBe('|1|192.168.10.10|40000|');
    expect(formatEprtArgument('2001:db8::10', 40000)).toBe('|2|2001:db8::10|40000|');
  });
  test('a PORT or EPRT a client sent reads back to the endpoint it announces', () => {
    // As curl 7.88 and lftp 4.9 printed them on the routed topology.
    expect(parsePortArgument('192,168,10,10,229,213')).toEqual({ host: '192.168.10.10', port: 229 * 256 + 213 });
    expect(parseEprtArgument('|1|192.168.10.10|35699|')).toEqual({ host: '192.168.10.10', port: 35699 });
    expect(parseEprtArgument(formatEprtArgument('2001:db8::10', 40000))).toEqual({ host: '2001:db8::10', port: 40000 });
  });
  test('EPRT: any delimiter used consistently, a known family, a port in range', () => {
    expect(parseEprtArgument('!1!10.0.0.1!2121!')).toEqual({ host: '10.0.0.1', port: 2121 });
    expect(() => parseEprtArgument('|3|10.0.0.1|2121|')).toThrow(/cannot parse EPRT/);
    expect(() => parseEprtArgument('|1|10.0.0.1!2121|')).toThrow(/cannot parse EPRT/);
    expect(() => parseEprtArgument('|1|10.0.0.1|70000|')).toThrow(/out of range/);
    expect(() => parsePortArgument('192,168,10,10,229')).toThrow(/cannot parse PORT command/);
  });
});

test.describe('reply reader', () => {
  test('single-line replies, split anywhere across chunks', () => {
    const r = new ReplyReader();
    expect(r.push('220 pinhole ')).toEqual([]);
    expect(r.push('ready\r\n230 Login successful.\r\n2')).toEqual([
      { code: 220, text: '220 pinhole ready' },
      { code: 230, text: '230 Login successful.' },
    ]);
    expect(r.push('00 Switching to Binary mode.\r\n')).toEqual([{ code: 200, text: '200 Switching to Binary mode.' }]);
  });
  test('multi-line replies end only at "code<space>"', () => {
    const r = new ReplyReader();
    const replies = r.push('211-Features:\r\n EPRT\r\n 211-looking line\r\n211 End\r\n');
    expect(replies).toEqual([{ code: 211, text: '211-Features:\n EPRT\n 211-looking line\n211 End' }]);
  });
});
