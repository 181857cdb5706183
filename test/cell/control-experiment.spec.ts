// The control experiment before `error` (harness/cell/control-experiment.ts): its decision on
// recorded observations, with a runner that stands for the cell's re-run. On a lab it is
// exercised by test/lab/faults.spec.ts ("a drop before the observer").
import { test, expect } from '@playwright/test';
import type { Observation } from '../../harness/cell-contract.ts';
import { controlExperiment, failureSeen, needsControlExperiment } from '../../harness/cell/control-experiment.ts';
import type { Ruleset } from '../../harness/rulesets/load-ruleset.ts';
import type { CellRunner } from '../../harness/scenarios/scenario.ts';

const stalled: Observation = {
  outcome: 'error',
  cause: 'timeout: login: no firewall drop observed (no progress within 8000 ms)',
  phases: [
    { phase: 'control-connect', ok: true, ms: 1 },
    { phase: 'greeting', ok: true, ms: 2 },
    { phase: 'login', ok: false, ms: 8000, detail: 'no progress within 8000 ms' },
  ],
  transcript: ['< 220 (vsFTPd 3.0.3)', '> USER anonymous'],
  durationMs: 8003,
};
const ruleset: Ruleset = { file: '/x/early.nft', name: 'early', format: 'nft', text: 'table inet early {}' };

/** A runner that answers `outcome` and records what it was asked to apply. */
function runner(outcome: Observation['outcome'], asked: Ruleset[]): CellRunner {
  return {
    run: async (rs) => {
      asked.push(rs);
      return { observation: { ...stalled, outcome, cause: outcome === 'pass' ? null : 'timeout: login: again' }, window: undefined as never };
    },
  };
}

test('an unexplained failure that passes with the filtering taken out is blocked, and says what was seen', async () => {
  const asked: Ruleset[] = [];
  const o = await controlExperiment(stalled, ruleset, runner('pass', asked));
  expect(asked).toEqual([{ ...ruleset, filteringRemoved: true }]);
  expect(o.outcome).toBe('blocked');
  expect(o.cause).toBe(
    'filtered-unseen: login failed after "USER anonymous" (no progress within 8000 ms); the same cell passes with the rule set\'s drops and rejects taken out (NAT and helpers kept), so its filtering stopped it, though no drop or reject of the cell\'s packets was traced',
  );
});

test('one that fails again stays error, and says it is not the firewall', async () => {
  const o = await controlExperiment(stalled, ruleset, runner('error', []));
  expect(o.outcome).toBe('error');
  expect(o.cause).toMatch(/^timeout: login: .*; it fails with the rule set's drops and rejects taken out too \(timeout: login: again\): not the firewall's doing/);
});

test('passing, blocked, a dead server and a failed node call for no re-run', async () => {
  for (const o of [
    { ...stalled, outcome: 'pass' as const, cause: null },
    { ...stalled, outcome: 'blocked' as const, cause: 'firewall-drop: control connection: ...' },
    { ...stalled, cause: 'server-died: vsftpd (pid 812 in node server, port 21) killed by SIGKILL' },
    { ...stalled, cause: 'node-start-failed: node server: vsftpd did not start' },
    { ...stalled, cause: 'integrity-mismatch: /upload/x: sent sha256 aa, server stored sha256 bb' },
  ]) {
    expect(needsControlExperiment(o)).toBe(false);
    const asked: Ruleset[] = [];
    expect(await controlExperiment(o, ruleset, runner('pass', asked))).toBe(o);
    expect(asked).toEqual([]);
  }
});

test('what was seen, before and after the control connection opened', () => {
  expect(failureSeen({ ...stalled, phases: [{ phase: 'control-connect', ok: true, ms: 1 }, { phase: 'greeting', ok: false, ms: 8000, detail: 'no progress within 8000 ms' }], transcript: [] })).toBe(
    'greeting failed after the control connection opened (no progress within 8000 ms)',
  );
  expect(failureSeen({ ...stalled, phases: [{ phase: 'control-connect', ok: false, ms: 8000 }], transcript: [] })).toBe('control-connect failed before the control connection opened');
});

test('a lab whose trace monitor ended (an interrupted run) is not asked to run the cell again', async () => {
  const asked: Ruleset[] = [];
  const o = await controlExperiment(stalled, ruleset, runner('pass', asked), () => 'the trace monitor on fw ended');
  expect(asked).toEqual([]);
  expect([o.outcome, o.cause]).toEqual(['error', `${stalled.cause}; not run again without the rule set's filtering: the trace monitor on fw ended`]);
});
