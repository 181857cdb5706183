// `pinhole check --update` on a recorded run (test/fixtures/check/edge-routed.results.json:
// nft-helper on routed, the default dimensions; every transfer passed but FTPS explicit and
// implicit, which the helper cannot read and whose port 990 the rule set does not open): the
// keys are short, and exact for every cell; the file keeps its comments and other checks.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { planCheck } from '../../harness/check/plan-check.ts';
import { expectationsFrom, recordable, writeExpectations } from '../../harness/check/record-expectations.ts';
import { parseCheckFile } from '../../harness/expectations/check-file.ts';
import { readJsonReport } from '../../harness/report/json-report.ts';
import { loadTopology } from '../../harness/topology/load-topology.ts';
import { scratchDir } from '../support/scratch-dir.ts';

/** Removed after the file's tests (scratch-dir.ts). */
const scratch = scratchDir('pinhole-record-');
const RUN = readJsonReport('test/fixtures/check/edge-routed.results.json');

test('the observations become one key per mode and one per value that went the other way', () => {
  const cells = recordable(RUN.results);
  // The attacks and the skipped cells are not recorded.
  expect(cells).toHaveLength(RUN.results.filter((c) => c.kind === 'transfer' && c.observed !== null).length);
  expect(Object.fromEntries(expectationsFrom(cells))).toEqual({
    PORT: 'pass',
    'PORT explicit': 'blocked',
    'PORT implicit': 'blocked',
    EPRT: 'pass',
    'EPRT explicit': 'blocked',
    'EPRT implicit': 'blocked',
    PASV: 'pass',
    'PASV explicit': 'blocked',
    'PASV implicit': 'blocked',
    EPSV: 'pass',
    'EPSV explicit': 'blocked',
    'EPSV implicit': 'blocked',
  });
});

test('a lone cell that differs gets a full key; read back through the plan, every cell expects what it observed', async () => {
  const cells = recordable(RUN.results);
  const odd = cells.find((c) => c.mode === 'EPSV' && c.command === 'LIST' && c.serverKind === 'pure-ftpd')!;
  odd.outcome = 'blocked';
  const keys = expectationsFrom(cells);
  expect(keys.get('EPSV LIST pure-ftpd probe IPv4 none transfer')).toBe('blocked');
  const dir = scratch();
  writeFileSync(join(dir, 'edge.nft'), '');
  const file = join(dir, 'pinhole.yaml');
  writeFileSync(file, ['# the edge firewall', 'name: edge-firewall', 'checks:', '  - ruleset: edge.nft # ours', '    topology: routed', '    expect: { PORT: blocked }', ''].join('\n'));
  writeExpectations(file, [{ index: 0, keys }]);
  const text = readFileSync(file, 'utf8');
  expect(text).toMatch(/^# the edge firewall\n/);
  expect(text).toContain('ruleset: edge.nft # ours');
  const plan = planCheck(parseCheckFile(text, file).checks[0]!, await loadTopology('topologies/routed.topo.yaml'));
  expect(plan.problems).toEqual([]);
  for (const c of cells) {
    const planned = plan.cells.find((p) => p.mode === c.mode && p.command === c.command && p.serverKind === c.serverKind && p.client === c.client && p.tls === c.tls && p.scenario === c.scenario);
    expect(planned?.expected, `${c.mode} ${c.command} ${c.serverKind} ${c.client} ${c.tls} ${c.scenario}`).toBe(c.outcome);
  }
});
