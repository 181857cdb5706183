/**
 * How a suite declares its cells: one Playwright test per (rule set, mode, command) with the
 * expectation the suite verified. The cell's identity travels in an annotation (so reporters
 * know skipped cells too); the observation travels in an attachment.
 */
import { basename, dirname, relative, resolve } from 'node:path';
import type { TestInfo } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { CELL_ANNOTATION, type CellMeta, cellResult, DEFAULT_DIMENSIONS, LADDER_ATTACHMENT, type Observation, RESULT_ATTACHMENT, unobservedResult, variantOf } from '../cell-contract.ts';
import { WEB_DROPPED } from '../scenarios/classify.ts';
import { investigateCell } from '../cell/investigate-cell.ts';
import { LabStartError } from '../lab/lab-start-error.ts';
import type { Lab } from '../lab/lab.ts';
import { MODES, SECURITY_SCENARIOS, type ClientName, type Expectation, type Family, type FrontendKind, type FtpCommand, type Mode, type Scenario, type ServerSoftware, type TlsMode } from '../model.ts';
import type { Ruleset } from '../rulesets/load-ruleset.ts';
import { reporterRestoresViolations, VIOLATION_ANNOTATION } from '../report/violation-outcome.ts';
import { loadRulesetSource, rulesetSourceName, type RulesetSource } from '../frontends/ruleset-source.ts';

export interface CellSpec {
  suite: string;
  /** The topology's name, as reports show it. */
  topology: string;
  /** Where the topology is read from when it is not topologies/<topology>.topo.yaml (a check file's own). */
  topologyFile?: string;
  /** Path of the rule set file (or a frontend's configuration), relative to the suite directory. */
  rulesetFile: string;
  /**
   * Where the rule set comes from when it is not the file alone (absolute paths): a frontend's
   * configuration, rendered by the frontend (`{ file, frontend }`), or an iptables pair.
   */
  source?: RulesetSource;
  suiteDir: string;
  mode: Mode;
  command: FtpCommand;
  /** What the cell must do; null only for a cell nobody said anything about (`pinhole check`), which is observed. */
  expected: Expectation | null;
  /** An attack the check file accepts getting through, with its reason (verdict `accepted`, harness/verdict.ts). */
  accepted?: string;
  /** The rule set's name in reports (default: its file name without extension). */
  rulesetLabel?: string;
  /** Why the cell cannot run here: it is reported skipped with this reason, and runs nothing. */
  skip?: string;
  /**
   * A helper-scope cell whose rule set lets no web connection through is skipped, with that
   * reason, instead of inconclusive: a user's own rule set may rightly refuse port 80 (`pinhole
   * check`), while the built-in security suite's rule sets allow it, so there it is a fault.
   */
  skipWithoutCarrier?: boolean;
  /** Playwright tags (`@nat`, `@port`...): `pinhole run --grep @port` selects by them. */
  tags?: string[];
  /**
   * The family of the server address the probe dials (default: IPv4 where the server has it).
   * An IPv6 cell uses EPRT or EPSV: PORT and PASV carry IPv4 addresses only (RFC 2428).
   */
  family?: Family;
  /**
   * What the cell does (harness/scenarios/): transfer (default), session, concurrent; or an
   * attack, whose `pass` means it got through: bounce (active modes), pinhole-scope (passive
   * modes), helper-scope (active modes).
   */
  scenario?: Scenario;
  /** The client that runs a transfer (default the pinned probe). */
  client?: ClientName;
  /** FTPS variant of a transfer (default none). */
  tls?: TlsMode;
  /**
   * The server software the cell runs on the topology's server node (default: the topology's
   * own, which must then be vsftpd): a lab running other software fails the cell instead of
   * passing it for the wrong server.
   */
  serverKind?: ServerSoftware;
  /** The node that carries the rule set (default: the topology's firewall): `server` or `client` for a host firewall. */
  on?: string;
}

const rulesets = new Map<string, Promise<Ruleset>>();
/** Each rule set once per worker; a frontend's rendering is read back from pinhole's cache. */
function rulesetOnce(source: RulesetSource): Promise<Ruleset> {
  const key = JSON.stringify(source);
  let rs = rulesets.get(key);
  if (!rs) rulesets.set(key, (rs = loadRulesetSource(source)));
  return rs;
}

/** A cell that observed `error`: inconclusive, the harness's or the server's trouble, not a verdict. */
export class CellError extends Error {
  override name = 'CellError';
}

/**
 * Bring-up (and the teardown of the worker's previous lab, harness/current-lab.ts) is not the cell's time: a docker lab may wait minutes for another run's (or another
 * worker's) lab to give back the subnets they share (harness/drivers/docker/subnet-lease.ts).
 * The cell's own timeout starts counting again once the lab is there.
 */
const BRING_UP_LIMIT_MS = 30 * 60_000;

async function broughtUp(lab: () => Promise<Lab>, testInfo: TestInfo): Promise<Lab> {
  const timeout = testInfo.timeout;
  // 0: no timeout at all (--timeout 0), nothing to extend.
  if (timeout === 0) return lab();
  const started = Date.now();
  testInfo.setTimeout(timeout + BRING_UP_LIMIT_MS);
  try {
    return await lab();
  } finally {
    testInfo.setTimeout(timeout + (Date.now() - started));
  }
}

/**
 * The arguments of one cell's `test(...)` call. The spec file makes the call itself, so
 * Playwright reports the cell at the spec's line, not here.
 */
export function cell(spec: CellSpec): Parameters<typeof test> {
  if (spec.family === 'ipv6' && (spec.mode === 'PORT' || spec.mode === 'PASV')) {
    throw new Error(`${spec.suite} ${spec.rulesetFile}: ${spec.mode} carries IPv4 addresses only (RFC 2428); an IPv6 cell uses EPRT or EPSV`);
  }
  // resolve, not join: a check file's rule set is an absolute path.
  const source = spec.source ?? { file: resolve(spec.suiteDir, spec.rulesetFile) };
  const ruleset = spec.rulesetLabel ?? rulesetSourceName(source);
  const scenario = spec.scenario ?? 'transfer';
  const meta: CellMeta = {
    suite: spec.suite,
    topology: spec.topology,
    ruleset,
    mode: spec.mode,
    command: spec.command,
    ...DEFAULT_DIMENSIONS,
    family: spec.family ?? DEFAULT_DIMENSIONS.family,
    serverKind: spec.serverKind ?? DEFAULT_DIMENSIONS.serverKind,
    clientKind: spec.client ?? DEFAULT_DIMENSIONS.clientKind,
    tls: spec.tls ?? DEFAULT_DIMENSIONS.tls,
    kind: SECURITY_SCENARIOS.has(scenario) ? 'security' : 'transfer',
    probe: scenario,
    expected: spec.expected,
    ...(spec.accepted !== undefined ? { accepted: spec.accepted } : {}),
  };
  return [
    [spec.mode, spec.command, ...variantOf(meta)].join(' '),
    { tag: spec.tags ?? [], annotation: { type: CELL_ANNOTATION, description: JSON.stringify(meta) } },
    async ({ labFor, hostProblems, runConfig }, testInfo) => {
      test.skip(spec.skip !== undefined, spec.skip);
      test.skip(hostProblems.length > 0, `host cannot run this cell: ${hostProblems.join('; ')}`);
      const jsonReport = runConfig.reports.json;
      let observation: Observation;
      try {
        const lab = await broughtUp(() => labFor(spec.topologyFile ?? spec.topology, spec.serverKind, spec.on), testInfo);
        if (lab.dimensions.serverKind !== meta.serverKind) {
          throw new Error(`cell declared for ${meta.serverKind}, but topology ${spec.topology} runs ${lab.dimensions.serverKind}: give the cell serverKind: '${lab.dimensions.serverKind}'`);
        }
        const cellMeta = { ...meta, ...lab.dimensionsFor(spec.family) };
        const ask = { scenario, mode: spec.mode, command: spec.command, client: spec.client, tls: spec.tls, family: spec.family };
        const investigated = await investigateCell(lab, cellMeta, ask, await rulesetOnce(source), jsonReport, runConfig);
        observation = investigated.observation;
        await testInfo.attach(LADDER_ATTACHMENT, { body: JSON.stringify(investigated.ladder), contentType: 'application/json' });
        for (const f of investigated.evidence) await testInfo.attach(basename(f), { path: f });
        const noCarrier = spec.skipWithoutCarrier && scenario === 'helper-scope' && observation.outcome === 'error' && observation.cause?.includes(WEB_DROPPED) ? observation.cause : undefined;
        if (noCarrier !== undefined) {
          const why = `the rule set lets no web connection through to the server, so NAT slipstreaming has nothing to ride on here: ${noCarrier}`;
          await testInfo.attach(RESULT_ATTACHMENT, { body: JSON.stringify(unobservedResult(cellMeta, { skipped: true, cause: why, durationMs: observation.durationMs })), contentType: 'application/json' });
          test.skip(true, why);
        }
        await testInfo.attach(RESULT_ATTACHMENT, { body: JSON.stringify(investigated.result), contentType: 'application/json' });
      } catch (err) {
        if (!(err instanceof LabStartError)) throw err;
        // A node of the lab did not start: every cell of the lab is observed `error` with that
        // cause (inconclusive), its kept log as evidence; not a harness error with a stack.
        observation = { outcome: 'error', cause: err.message, phases: [], transcript: [`# ${err.message}`], durationMs: 0 };
        const evidence = relative(dirname(resolve(jsonReport)), dirname(err.logFile));
        await testInfo.attach(basename(err.logFile), { path: err.logFile });
        await testInfo.attach(RESULT_ATTACHMENT, { body: JSON.stringify(cellResult(meta, { client: '', server: '' }, observation, { evidence })), contentType: 'application/json' });
      }
      // An `error` observation says nothing about the firewall (the probe or the server broke):
      // Playwright hears it as an error of the cell, not as a wrong verdict.
      if (observation.outcome === 'error') throw new CellError(`${ruleset} ${spec.mode} ${spec.command}: inconclusive: ${observation.cause ?? 'no cause'}`);
      // Observed only: what it did is the result (the reporter records it), nothing to compare.
      if (spec.expected === null) return;
      // An accepted attack that got through is reported as such, not as a failed test.
      if (spec.accepted !== undefined && spec.expected === 'blocked' && observation.outcome === 'pass') return;
      if (observation.outcome !== spec.expected && reporterRestoresViolations(testInfo.config)) {
        // A violation is a failed test, but not a broken worker: declared an expected failure
        // here, turned back into an unexpected one by pinhole's reporter (harness/report/violation-outcome.ts),
        // so the worker and its lab carry on to the next cell.
        testInfo.annotations.push({ type: VIOLATION_ANNOTATION, description: 'the cell did not do what its suite or check file expects' });
        test.fail(true, 'a violation: the cell did not do what its suite or check file expects');
      }
      // One diagnostic line per check: expected and observed, and why.
      expect(observation.outcome, `${ruleset} ${spec.mode} ${spec.command}: expected ${spec.expected}, observed ${observation.outcome}${observation.cause ? ` (${observation.cause})` : ''}`).toBe(spec.expected);
    },
  ];
}

/** Expectations in mode order: PORT, EPRT, PASV, EPSV. */
export type ModeTruth = readonly [Expectation, Expectation, Expectation, Expectation];

/** One expectation per mode of `M`, in its order. */
export type TruthOf<M extends readonly Mode[]> = { readonly [K in keyof M]: Expectation };

/**
 * A whole truth table on one topology: a describe per rule set, a cell per mode and command.
 * Call it at the top level of a spec file; a file may hold several tables, e.g. one per client
 * (cells in a row on the same topology and server software share the worker's lab). `modes` narrows the columns (an IPv6 table has EPRT and EPSV only, a client
 * may pin fewer); `family` picks the server address the cells dial. A rule set file may live in
 * another suite's directory (`../ftp-stateful/rulesets/x.nft`): suites share rule sets by
 * reference, never by copy.
 */
export function defineTruthTable<const M extends readonly Mode[] = typeof MODES>(t: {
  suite: string;
  suiteDir: string;
  topology: string;
  /** The modes the table covers, in column order (default all four). */
  modes?: M;
  /** Rule set file (relative to suiteDir) and one expectation per mode, in the order of `modes`. */
  rows: ReadonlyArray<readonly [rulesetFile: string, truth: TruthOf<M>]>;
  commands?: readonly FtpCommand[];
  family?: Family;
  tags?: string[];
  /** The client that runs every cell (default the pinned probe). */
  client?: ClientName;
  /** Runs this server software on the topology's server node (default: the topology's own). */
  serverKind?: ServerSoftware;
  /** The node that carries every rule set of the table (default: the topology's firewall). */
  on?: string;
  /** The rows are this frontend's configurations, rendered by the frontend (harness/frontends/). */
  frontend?: FrontendKind;
}): void {
  const modes: readonly Mode[] = t.modes ?? MODES;
  for (const [rulesetFile, truth] of t.rows) {
    if (truth.length !== modes.length) throw new Error(`${t.suite} ${rulesetFile}: ${truth.length} expectations for ${modes.length} modes (${modes.join(', ')})`);
    const source = t.frontend ? { file: resolve(t.suiteDir, rulesetFile), frontend: t.frontend } : undefined;
    test.describe(source ? rulesetSourceName(source) : basename(rulesetFile), () => {
      modes.forEach((mode, i) => {
        for (const command of t.commands ?? ['RETR', 'STOR']) {
          test(
            ...cell({
              suite: t.suite,
              topology: t.topology,
              suiteDir: t.suiteDir,
              rulesetFile,
              mode,
              command,
              expected: truth[i]!,
              tags: t.tags ?? [],
              ...(t.family ? { family: t.family } : {}),
              ...(t.client ? { client: t.client } : {}),
              ...(t.serverKind ? { serverKind: t.serverKind } : {}),
              ...(t.on ? { on: t.on } : {}),
              ...(source ? { source } : {}),
            }),
          );
        }
      });
    });
  }
}
