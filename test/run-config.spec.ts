// The run's configuration (harness/run-config.ts): one typed value from the flags over the
// documented environment overrides over the defaults; an unknown value refused with exit 2,
// naming it, before anything starts; handed to Playwright whole and read back the same.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { InputError } from '../harness/errors.ts';
import { DEFAULT_RUN_CONFIG, encodeRunConfig, ENVIRONMENT_OVERRIDES, RUN_CONFIG_ENV, runConfigFromEnvironment, runConfigOf } from '../harness/run-config.ts';

test('defaults, then the environment\'s overrides, then the flags', () => {
  expect(runConfigOf({}, {})).toEqual(DEFAULT_RUN_CONFIG);
  const env = { PINHOLE_DRIVER: 'docker', PINHOLE_ADVICE: 'suggest', PINHOLE_ATTRIBUTION: 'off', PINHOLE_VERBOSE: '1' };
  expect(runConfigOf({}, env)).toMatchObject({ driver: 'docker', advice: 'suggest', attribution: false, verbose: true });
  // A flag has the last word; a flag not given (undefined) leaves the override alone.
  expect(runConfigOf({ driver: 'netns', evidence: undefined }, env)).toMatchObject({ driver: 'netns', evidence: 'failures', advice: 'suggest' });
  // An empty variable counts as unset (a CI matrix that blanks it).
  expect(runConfigOf({}, { PINHOLE_ADVICE: '' }).advice).toBe('verify');
  expect(ENVIRONMENT_OVERRIDES).toEqual(['PINHOLE_DRIVER', 'PINHOLE_ADVICE', 'PINHOLE_ATTRIBUTION', 'PINHOLE_VERBOSE']);
});

test('an override with a value pinhole does not know is refused, naming the variable, its value and the choices', () => {
  for (const [name, value, choices] of [
    ['PINHOLE_ADVICE', 'of', 'verify, suggest, off'],
    ['PINHOLE_ATTRIBUTION', 'no', 'on, off'],
    ['PINHOLE_DRIVER', 'podman', 'netns, docker'],
    ['PINHOLE_VERBOSE', 'yes', '0, 1'],
  ] as const) {
    expect(() => runConfigOf({}, { [name]: value })).toThrow(InputError);
    expect(() => runConfigOf({}, { [name]: value })).toThrow(`${name}=${value}: expected one of ${choices}`);
  }
});

test('handed to Playwright in one variable and read back the same; a malformed one is pinhole\'s fault, not input', () => {
  const config = runConfigOf({ reports: { json: '/r/results.json', junit: '/r/junit.xml', html: '/r/html/index.html', ladders: '/r/ladders.json' }, grep: '@port', workers: 3, checkFile: '/p/pinhole.yaml' }, { PINHOLE_ADVICE: 'off' });
  expect(runConfigFromEnvironment({ [RUN_CONFIG_ENV]: encodeRunConfig(config) })).toEqual(config);
  // Without one (Playwright started by hand on a suite): the defaults and the overrides.
  expect(runConfigFromEnvironment({ PINHOLE_ADVICE: 'suggest' })).toEqual({ ...DEFAULT_RUN_CONFIG, advice: 'suggest' });
  expect(() => runConfigFromEnvironment({ [RUN_CONFIG_ENV]: JSON.stringify({ ...config, advice: 'of' }) })).toThrow(`${RUN_CONFIG_ENV}: not a run configuration: advice:`);
  expect(() => runConfigFromEnvironment({ [RUN_CONFIG_ENV]: JSON.stringify({ ...config, extra: 1 }) })).toThrow(RUN_CONFIG_ENV);
});

test('the command refuses an unknown override with exit 2 before anything starts: run, check and explore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinhole-run-config-'));
  try {
    const json = join(dir, 'results.json');
    for (const args of [
      ['run', '--json', json],
      ['check', 'test/fixtures/check/missing-on-purpose.yaml', '--json', json],
      ['explore', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/nft-helper.nft', '--json', json],
    ]) {
      const r = spawnSync(process.execPath, ['harness/cli/pinhole.mjs', ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1', PINHOLE_ADVICE: 'of' } });
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args[0]).toBe('pinhole: PINHOLE_ADVICE=of: expected one of verify, suggest, off\n');
      expect(r.stdout, args[0]).toBe('');
      expect(existsSync(json), args[0]).toBe(false);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
