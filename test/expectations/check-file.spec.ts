// The check file (pinhole.yaml) as pinhole reads it: every problem at once, each as
// FILE:LINE: PATH: MESSAGE; paths relative to the file; expectation keys read into dimensions.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { InputError } from '../../harness/errors.ts';
import { parseCheckFile, parseExpectationKey } from '../../harness/expectations/check-file.ts';
import { scratchDir } from '../support/scratch-dir.ts';

/** Made on first use, removed after the file's tests (scratch-dir.ts). */
const scratch = scratchDir('pinhole-check-file-');
let dir = '';
let FILE = '';
test.beforeEach(() => {
  dir = scratch();
  writeFileSync(join(dir, 'edge.nft'), 'table inet t {}\n');
  FILE = join(dir, 'pinhole.yaml');
});

function problemsOf(text: string): string[] {
  try {
    parseCheckFile(text, FILE);
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  return [];
}

test('a file as README gives it: paths made absolute, a built-in topology kept as a name', () => {
  const f = parseCheckFile(['name: edge-firewall', 'checks:', '  - ruleset: edge.nft', '    topology: routed', '    on: fw', '    expect: { PORT: blocked, "EPSV STOR proftpd": pass }', '    accept: { pinhole-scope: "passive range opened by design" }', ''].join('\n'), FILE);
  expect(f.name).toBe('edge-firewall');
  expect(f.checks[0]).toMatchObject({ rulesetFile: join(dir, 'edge.nft'), topologyRef: 'routed', on: 'fw', index: 0, line: 3 });
  expect(f.checks[0]!.expect).toEqual({ PORT: 'blocked', 'EPSV STOR proftpd': 'pass' });
  expect(f.checks[0]!.accept).toEqual({ 'pinhole-scope': 'passive range opened by design' });
});

test('every problem at once, at its line: unknown keys, words, values, files, an accept without reason', () => {
  const problems = problemsOf(
    [
      'name: Edge', //                                 1: not a valid name
      'checks:',
      '  - ruleset: missing.nft', //                    3: no such file
      '    topology: ./nets/lab.topo.yaml', //          4: no such file
      '    servers: [vsftpd, wuftpd]', //               5: unknown server
      '    expect:',
      '      "PASV STOR nginx": pass', //               7: unknown word
      '      "PASV EPSV": blocked', //                  8: two modes
      '      PORT: open', //                            9: bad value
      '    accept: { bounce: "" }', //                  10: no reason
      '    gatway: x', //                               11: unknown key
      '',
    ].join('\n'),
  );
  // Schema problems first (the files are only looked for once the schema holds).
  expect(problems).toEqual([
    expect.stringMatching(new RegExp(`^${FILE}:1: name: use lower-case letters`)),
    `${FILE}:5: checks[0].servers[1]: unknown server "wuftpd"; servers: vsftpd, pure-ftpd, proftpd`,
    expect.stringMatching(/:7: checks\[0\]\.expect\."PASV STOR nginx": unknown word "nginx" in key "PASV STOR nginx"; a key is made of modes/),
    `${FILE}:8: checks[0].expect."PASV EPSV": key "PASV EPSV" names two values of one dimension (PASV and EPSV); a cell has one`,
    `${FILE}:9: checks[0].expect.PORT: expected "pass" or "blocked", got "open"`,
    `${FILE}:10: checks[0].accept.bounce: say why it is accepted: a reason, in words`,
    expect.stringMatching(/:11: checks\[0\]\.gatway: unknown key "gatway"; valid keys of a check: ruleset, frontend, topology, on, servers/),
  ]);
  const files = problemsOf(['name: edge', 'checks:', '  - ruleset: missing.nft', '    topology: ./nets/lab.topo.yaml', ''].join('\n'));
  expect(files).toEqual([`${FILE}:3: checks[0].ruleset: rule set file ${join(dir, 'missing.nft')} does not exist`, `${FILE}:4: checks[0].topology: topology file ${join(dir, 'nets/lab.topo.yaml')} does not exist`]);
});

test('an empty file, and a file without checks, say what a check file holds', () => {
  expect(problemsOf('')).toEqual([expect.stringContaining(':1: (top level): the file has no content; a check file holds `name:` and `checks:`')]);
  expect(problemsOf('name: edge\nchecks: []\n')).toEqual([`${FILE}:2: checks: give at least one check`]);
});

test('expectation keys: any order, families as people write them, one value per dimension', () => {
  expect(parseExpectationKey('STOR  EPSV proftpd')).toEqual({ command: 'STOR', mode: 'EPSV', server: 'proftpd' });
  expect(parseExpectationKey('IPv6 EPRT curl implicit session')).toEqual({ family: 'ipv6', mode: 'EPRT', client: 'curl', tls: 'implicit', probe: 'session' });
  expect(parseExpectationKey('RETR STOR')).toContain('names two values of one dimension');
  expect(parseExpectationKey('pasv')).toContain('unknown word "pasv"');
});

test('a frontend entry: its config made absolute, the frontend kept; a pair of iptables files', () => {
  writeFileSync(join(dir, 'ferm.conf'), 'table filter chain INPUT policy DROP;\n');
  writeFileSync(join(dir, 'rules.v4'), '*filter\nCOMMIT\n');
  writeFileSync(join(dir, 'rules.v6'), '*filter\nCOMMIT\n');
  const f = parseCheckFile(['name: edge', 'checks:', '  - frontend: { kind: ferm, config: ferm.conf }', '    topology: routed', '  - ruleset: [rules.v4, rules.v6]', '    topology: routed-dualstack', ''].join('\n'), FILE);
  expect(f.checks[0]!.source).toEqual({ file: join(dir, 'ferm.conf'), frontend: 'ferm' });
  expect(f.checks[1]!.source).toEqual({ file: join(dir, 'rules.v4'), ipv6File: join(dir, 'rules.v6') });
});

test('a check takes exactly one of ruleset and frontend; an unknown frontend and a missing config are told at their line', () => {
  const problems = problemsOf(
    [
      'name: edge',
      'checks:',
      '  - topology: routed',
      '  - ruleset: edge.nft',
      '    frontend: { kind: ufw, config: etc }',
      '    topology: routed',
      '  - frontend: { kind: iptables-persistent, config: etc }',
      '    topology: routed',
      '  - frontend: { kind: shorewall }',
      '    topology: routed',
      '',
    ].join('\n'),
  );
  expect(problems).toEqual([
    `${FILE}:3: checks[0]: ruleset or frontend is required: the rule set file (nft or iptables-save), or \`frontend: { kind, config }\``,
    `${FILE}:5: checks[1].frontend: give ruleset or frontend, not both`,
    `${FILE}:7: checks[2].frontend.kind: unknown frontend "iptables-persistent"; frontends: firewalld, ufw, ferm, firehol, shorewall`,
    `${FILE}:9: checks[3].frontend.config: config is required: what the frontend reads, relative to this file (the /etc/firewalld directory, a directory holding ufw/ and default/ufw, ferm.conf, firehol.conf, the /etc/shorewall directory)`,
  ]);
  expect(problemsOf(['name: edge', 'checks:', '  - frontend: { kind: ufw, config: nowhere }', '    topology: routed', ''].join('\n'))).toEqual([
    `${FILE}:3: checks[0].frontend.config: ufw configuration ${join(dir, 'nowhere')} does not exist`,
  ]);
});

test('scenarios: the key, and probes, its older name, read the same; both at once is refused at its line', () => {
  const withKey = (key: string) => parseCheckFile(['name: edge', 'checks:', '  - ruleset: edge.nft', '    topology: routed', `    ${key}: [transfer, session]`, ''].join('\n'), FILE).checks[0]!;
  expect(withKey('scenarios').scenarios).toEqual(['transfer', 'session']);
  expect(withKey('probes').scenarios).toEqual(['transfer', 'session']);
  expect(withKey('probes')).not.toHaveProperty('probes');
  expect(problemsOf(['name: edge', 'checks:', '  - ruleset: edge.nft', '    topology: routed', '    scenarios: [transfer]', '    probes: [session]', ''].join('\n'))).toEqual([
    `${FILE}:6: checks[0].probes: give scenarios or probes (its older name), not both`,
  ]);
});
