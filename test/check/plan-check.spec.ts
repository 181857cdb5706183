// Which cells a check plans (harness/check/plan-check.ts), from the file and the topology alone:
// the defaults, what servers and clients can do, the attacks, and the most specific key winning.
import { expect, test } from '@playwright/test';
import { planCheck, type PlannedCell } from '../../harness/check/plan-check.ts';
import type { CheckSpec } from '../../harness/expectations/check-file.ts';
import { loadTopology } from '../../harness/topology/load-topology.ts';

const check = (over: Partial<CheckSpec> = {}): CheckSpec => ({ ruleset: 'edge.nft', topology: 'routed', source: { file: '/x/edge.nft' }, rulesetFile: '/x/edge.nft', topologyRef: 'routed', index: 0, line: 3, ...over });
const count = (cells: PlannedCell[], pick: (c: PlannedCell) => boolean) => cells.filter(pick).length;

test('the defaults on routed: every value of every dimension beside the first of the others, and the attacks', async () => {
  const { cells, problems } = planCheck(check(), await loadTopology('topologies/routed.topo.yaml'));
  expect(problems).toEqual([]);
  // vsftpd with the probe: 4 modes x RETR, STOR, LIST; the same with pure-ftpd and proftpd.
  expect(count(cells, (c) => c.client === 'probe' && c.tls === 'none' && c.scenario === 'transfer')).toBe(36);
  // curl pins all four modes, lftp all but EPRT over IPv4 (harness/probes/client-modes.ts).
  expect(count(cells, (c) => c.client === 'curl')).toBe(12);
  expect(count(cells, (c) => c.client === 'lftp')).toBe(9);
  expect(cells.some((c) => c.client === 'lftp' && c.mode === 'EPRT')).toBe(false);
  // FTPS: explicit and implicit on vsftpd, CCC on proftpd, which offers it (pure-ftpd offers none).
  expect(new Set(cells.filter((c) => c.tls !== 'none').map((c) => `${c.tls}@${c.serverKind}`))).toEqual(new Set(['explicit@vsftpd', 'implicit@vsftpd', 'ccc@proftpd']));
  expect(count(cells, (c) => c.scenario === 'session') + count(cells, (c) => c.scenario === 'concurrent')).toBe(8);
  // The attacks: expected blocked; routed has no third host, so the bounce is skipped saying why.
  const attacks = cells.filter((c) => ['bounce', 'pinhole-scope', 'helper-scope'].includes(c.scenario));
  expect(attacks.map((c) => `${c.scenario} ${c.mode}`)).toEqual(['bounce PORT', 'bounce EPRT', 'pinhole-scope PASV', 'pinhole-scope EPSV', 'helper-scope PORT', 'helper-scope EPRT']);
  expect(attacks.every((c) => c.expected === 'blocked')).toBe(true);
  expect(attacks.filter((c) => c.skip).map((c) => c.scenario)).toEqual(['bounce', 'bounce']);
  expect(cells).toHaveLength(107);
  // Nothing expected of a transfer the file says nothing about: observed.
  expect(cells.filter((c) => c.scenario === 'transfer').every((c) => c.expected === null)).toBe(true);
});

test('all combinations, narrowed lists, and a topology with IPv6 and a third host', async () => {
  const routed = await loadTopology('topologies/routed.topo.yaml');
  const all = planCheck(check({ combinations: 'all', servers: ['vsftpd', 'proftpd'], clients: ['probe'], commands: ['RETR'], security: [] }), routed).cells;
  // 2 servers x (none + explicit on both, implicit on vsftpd, CCC on proftpd) x 4 modes; sessions once per server x mode.
  expect(count(all, (c) => c.scenario === 'transfer')).toBe(4 * (2 + 2 + 1 + 1));
  expect(count(all, (c) => c.scenario !== 'transfer')).toBe(2 * 2 * 4);
  const dual = planCheck(check({ servers: ['vsftpd'], clients: ['probe', 'curl'], tls: ['none'], scenarios: ['transfer'], commands: ['RETR'] }), await loadTopology('topologies/routed-dualstack.topo.yaml')).cells;
  // IPv6: EPRT and EPSV only, and curl not at all (not verified here); the attacks over IPv4.
  expect(dual.filter((c) => c.family === 'ipv6').map((c) => `${c.mode} ${c.client}`)).toEqual(['EPRT probe', 'EPSV probe']);
  expect(planCheck(check({ families: ['ipv6'] }), routed).problems).toEqual([{ at: ['families'], message: 'the server of topology routed has no IPv6 address, so no cell can be IPv6' }]);
  const bounce = planCheck(check({ security: ['bounce'] }), await loadTopology('topologies/routed-bounce.topo.yaml')).cells.filter((c) => c.scenario === 'bounce');
  expect(bounce.map((c) => c.skip)).toEqual([undefined, undefined]);
});

test('the most specific key wins; keys that tie and disagree, or name nothing, are problems', async () => {
  const routed = await loadTopology('topologies/routed.topo.yaml');
  const expectOf = (keys: Record<string, 'pass' | 'blocked'>, pick: (c: PlannedCell) => boolean) => planCheck(check({ expect: keys }), routed).cells.find(pick)?.expected;
  const keys = { PASV: 'pass', 'PASV STOR': 'blocked', 'PASV STOR proftpd': 'pass' } as const;
  expect(expectOf(keys, (c) => c.mode === 'PASV' && c.command === 'RETR' && c.serverKind === 'vsftpd')).toBe('pass');
  expect(expectOf(keys, (c) => c.mode === 'PASV' && c.command === 'STOR' && c.serverKind === 'vsftpd')).toBe('blocked');
  expect(expectOf(keys, (c) => c.mode === 'PASV' && c.command === 'STOR' && c.serverKind === 'proftpd' && c.tls === 'none')).toBe('pass');
  expect(expectOf(keys, (c) => c.mode === 'PORT')).toBeNull();
  // An attack is expected blocked whatever the keys say; accepting it is `accept:`'s job.
  expect(planCheck(check({ expect: { PASV: 'pass' }, accept: { 'pinhole-scope': 'by design' } }), routed).cells.find((c) => c.scenario === 'pinhole-scope')).toMatchObject({ expected: 'blocked', accepted: 'by design' });
  const { problems } = planCheck(check({ expect: { 'PASV STOR': 'pass', 'PASV proftpd': 'blocked', 'EPRT lftp': 'pass' } }), routed);
  expect(problems).toContainEqual({ at: ['expect', 'PASV STOR'], message: expect.stringMatching(/^keys "PASV STOR" and "PASV proftpd" both name PASV STOR proftpd probe IPv4 and disagree; add a more specific key for it$/) });
  expect(problems).toContainEqual({ at: ['expect', 'EPRT lftp'], message: 'names no cell of this check (its dimensions and topology routed have none such)' });
});
