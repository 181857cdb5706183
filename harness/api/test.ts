/**
 * `pinhole/test`: Playwright's `test` and `expect`, extended for checking a rule set with one's
 * own assertions.
 *
 *   test.use({ topology: 'routed', ruleset: 'firewall/edge.nft' });
 *   test('passive FTP gets through', async ({ ftp }) => {
 *     expect(await ftp({ mode: 'EPSV', command: 'RETR' })).toPassThrough();
 *   });
 *
 * Options (`test.use`, per worker): `topology`, `ruleset`, `on`, `server`, `driver`. The lab is
 * the worker's: brought up on the first `ftp()` and kept while the worker's tests ask for the same
 * topology, server and node; every `ftp()` starts from a fresh firewall (the rule set applied,
 * connection tracking flushed). Paths are relative to the Playwright configuration's directory.
 * Runs as root.
 */
import { basename, dirname, resolve } from 'node:path';
import { test as suiteTest } from '../suite/fixtures.ts';
import { expect as baseExpect } from '@playwright/test';
import type { CellResult } from '../cell-contract.ts';
import { askCell, type CellQuestion } from '../cell/ask-cell.ts';
import { loadRulesetSource, rulesetSourceName, type RulesetSource } from '../frontends/ruleset-source.ts';
import type { DriverName, ServerSoftware } from '../model.ts';
import { cellMatchers } from './cell-matchers.ts';
import { topologyFileOf } from './lab.ts';

export type { CellResult } from '../cell-contract.ts';
export type { CellQuestion } from '../cell/ask-cell.ts';

export interface PinholeOptions {
  /** A built-in topology's name (default `routed`) or the path of a `.topo.yaml` file. */
  topology: string;
  /** The rule set under test: an nft or iptables-save file, or `{ file, frontend }` for a frontend's configuration. */
  ruleset: string | RulesetSource | undefined;
  /** The node that carries the rule set (default: the topology's firewall; `server` for a host firewall). */
  on: string | undefined;
  /** The FTP server software on the server node (default: the topology's own). */
  server: ServerSoftware | undefined;
  /** Where nodes run: `netns` (default, or PINHOLE_DRIVER) or `docker`. */
  driver: DriverName;
}

export interface PinholeFixtures {
  /** Runs one cell through the rule set on the worker's lab; its evidence is attached to the test. */
  ftp: (question: CellQuestion) => Promise<CellResult>;
}

export const test = suiteTest.extend<PinholeFixtures, PinholeOptions>({
  topology: ['routed', { option: true, scope: 'worker' }],
  ruleset: [undefined, { option: true, scope: 'worker' }],
  on: [undefined, { option: true, scope: 'worker' }],
  server: [undefined, { option: true, scope: 'worker' }],
  driver: [async ({ runConfig }, use) => use(runConfig.driver), { option: true, scope: 'worker' }],
  driverName: [async ({ driver }, use) => use(driver), { scope: 'worker' }],
  ftp: async ({ labFor, hostProblems, topology, ruleset, on, server, runConfig }, use, testInfo) => {
    const base = testInfo.config.configFile ? dirname(testInfo.config.configFile) : process.cwd();
    let asked = 0;
    await use(async (question) => {
      if (hostProblems.length > 0) throw new Error(`this host cannot run pinhole: ${hostProblems.join('; ')}`);
      if (ruleset === undefined) throw new Error('ftp(): no rule set: set one with test.use({ ruleset: "path/to/rules.nft" })');
      const source: RulesetSource = typeof ruleset === 'string' ? { file: resolve(base, ruleset) } : { ...ruleset, file: resolve(base, ruleset.file) };
      const lab = await labFor(topologyFileOf(topology, base), server, on);
      const investigated = await askCell(lab, question, await loadRulesetSource(source), {
        suite: basename(testInfo.file).replace(/\.(spec|test)\.[cm]?[jt]sx?$/, ''),
        ruleset: rulesetSourceName(source),
        report: testInfo.outputPath('pinhole', `${++asked}-${question.mode}-${question.command}`, 'results.json'),
      }, runConfig);
      for (const file of investigated.evidence) await testInfo.attach(basename(file), { path: file });
      return investigated.result;
    });
  },
});

export const expect = baseExpect.extend(cellMatchers);
