// Expectation files (`explore --expect`) read in-process: what a valid file says about each cell,
// and the mistakes the CLI catalogue (bad-input.spec.ts) does not spend a process on.
import { test, expect } from '@playwright/test';
import { InputError } from '../../harness/errors.ts';
import { parseExpectations } from '../../harness/expectations/load-expectations.ts';
import { EXPLORE_COMMANDS } from '../../harness/cell/explore-ruleset.ts';
import { MODES } from '../../harness/model.ts';

const FILE = 'fw.expect.yaml';
const parse = (text: string) => parseExpectations(text, FILE, EXPLORE_COMMANDS);
const problemsOf = (text: string): string[] => {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error('expected the expectation file to be rejected');
};

test('a mode covers both commands, a mode and command overrides it, an unnamed mode stays unjudged', () => {
  const e = parse('# fw.expect.yaml\nexpect:\n  PORT: pass\n  PASV: blocked\n  "PASV STOR": pass\n  EPSV RETR: blocked\n');
  const table = Object.fromEntries(MODES.flatMap((m) => EXPLORE_COMMANDS.map((c) => [`${m} ${c}`, e.expectedFor(m, c)])));
  expect(table).toEqual({
    'PORT RETR': 'pass',
    'PORT STOR': 'pass',
    'EPRT RETR': null,
    'EPRT STOR': null,
    'PASV RETR': 'blocked',
    'PASV STOR': 'pass',
    'EPSV RETR': 'blocked',
    'EPSV STOR': null,
  });
});

test('mistakes name the file, the line and the key, and list what is valid', () => {
  expect(problemsOf('expect:\n  PORT: pass\n  pasv: pass\n')).toEqual([`${FILE}:3: expect.pasv: unknown mode "pasv"; modes: PORT, EPRT, PASV, EPSV`]);
  expect(problemsOf('expect:\n  PASV STOR ipv6: pass\n')).toEqual([
    `${FILE}:2: expect."PASV STOR ipv6": a key is a mode ("PASV") or a mode and a command ("PASV STOR"), not "PASV STOR ipv6"`,
  ]);
  expect(problemsOf('expect: {}\n')).toEqual([`${FILE}:1: expect: no expectations: give at least one mode (PORT, EPRT, PASV, EPSV), e.g. \`PASV: pass\``]);
  expect(problemsOf('- PORT: pass\n')).toEqual([`${FILE}:1: (top level): expected a mapping of keys to values, got a list`]);
  expect(problemsOf('# nothing yet\n')).toEqual([`${FILE}:1: (top level): the file has no content; an expectation file holds \`expect:\` and a mode per line, e.g. \`PASV: pass\``]);
  expect(problemsOf('PORT: pass\n')).toEqual([`${FILE}:1: expect: required value is missing`, `${FILE}:1: PORT: unknown key "PORT"; the only key here is expect`]);
  expect(problemsOf('expect:\n  PORT: pass\n---\nexpect:\n  PASV: pass\n')).toEqual([
    `${FILE}:3:1: yaml: an expectation file holds one YAML document; remove the second \`---\` and what follows`,
  ]);
});

test('every problem in the file is told at once, top to bottom', () => {
  expect(problemsOf('expect:\n  PORT: yes\n  PASSV: pass\n  "EPSV LIST": blocked\n')).toEqual([
    `${FILE}:2: expect.PORT: expected "pass" or "blocked", got "yes"`,
    `${FILE}:3: expect.PASSV: unknown mode "PASSV"; modes: PORT, EPRT, PASV, EPSV`,
    `${FILE}:4: expect."EPSV LIST": explore does not run LIST; it runs RETR and STOR in every mode`,
  ]);
});
