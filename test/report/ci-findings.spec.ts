// What CI systems are told, from recorded results (harness/report/findings.ts and its writers):
// findings grouped by the deciding line, most important first; GitHub workflow commands with
// their escaping, paths relative to the workspace, GitHub's per-step limit; the job summary;
// GitLab Code Quality; SARIF.
import { expect, test } from '@playwright/test';
import type { CellResult, ConnectionAttribution, RuleHit } from '../../harness/cell-contract.ts';
import { codeQualityReport } from '../../harness/report/code-quality.ts';
import { decidingHit, findingsOf, policyLine } from '../../harness/report/findings.ts';
import { escapeData, escapeProperty, GITHUB_ANNOTATION_LIMIT, workflowCommands, workspacePath } from '../../harness/report/github-annotations.ts';
import { jobSummary } from '../../harness/report/job-summary.ts';
import { sarifLog } from '../../harness/report/sarif.ts';
import { makeCell } from '../support/make-cell.ts';

const REPO = '/ws/firewall-repo';
const FILE = `${REPO}/firewall/edge.nft`;

const hit = (rule: string, verdict: string, at?: string): RuleHit => ({ chain: 'inet filter forward', rule, verdict, ...(at ? { at } : {}) });
function attributed(cell: CellResult, connections: Array<Partial<ConnectionAttribution>>, file = FILE): CellResult {
  return { ...cell, attribution: { node: 'fw', file, connections: connections.map((c) => ({ connection: 'data', packet: 'SYN', decidedBy: null, path: [], state: 'new', ...c }) as ConnectionAttribution) } };
}
const accepted = { connection: 'control' as const, decidedBy: hit('tcp dport 21 accept', 'accept', 'edge.nft:9') };
/** A passive transfer expected to pass, its data connection dropped by the rule at edge.nft:14. */
const blockedAt14 = (mode: 'PASV' | 'EPSV', command: 'RETR' | 'STOR' = 'RETR') =>
  attributed(makeCell({ ruleset: 'edge', mode, command }, 'pass', 'blocked', { cause: 'firewall-drop: SYN dropped at fw' }), [accepted, { decidedBy: hit('tcp dport 50000-50010 drop', 'drop', 'edge.nft:14') }]);

test('findings: grouped by the deciding line, attacks first, then violations, then inconclusive cells', () => {
  const attack = attributed(makeCell({ ruleset: 'edge', mode: 'PASV' }, 'blocked', 'pass', { cause: 'attack-reached: neighbour port open', variant: { probe: 'pinhole-scope', kind: 'security' } }), [accepted, { decidedBy: hit('tcp dport 50000-50010 accept', 'accept', 'edge.nft:12') }]);
  const inconclusive = makeCell({ ruleset: 'edge', mode: 'PORT' }, 'pass', 'error', { cause: 'server-died: vsftpd' });
  const compliant = makeCell({ ruleset: 'edge', mode: 'EPRT' }, 'pass', 'pass');
  const found = findingsOf([inconclusive, blockedAt14('PASV'), compliant, blockedAt14('EPSV'), attack]);
  expect(found.map((f) => [f.level, f.line ?? null, f.code, f.cells.map((c) => c.mode)])).toEqual([
    ['attack', 12, 'attack-reached', ['PASV']],
    ['violation', 14, 'firewall-drop', ['PASV', 'EPSV']],
    ['inconclusive', null, 'server-died', ['PORT']],
  ]);
  expect(found[1]!.file).toBe(FILE);
  // No attribution and no file from the run: no file to tell it on (the messages name the rule set).
  expect(found[2]!.file).toBeUndefined();
  // The run's own knowledge of the rule set file, for cells without attribution.
  expect(findingsOf([inconclusive], undefined, () => FILE)[0]!.file).toBe(FILE);
});

test('the deciding hit: a later packet\'s drop before the SYN\'s accept; a passed cell\'s last accept', () => {
  const later = attributed(makeCell({ ruleset: 'edge' }, 'pass', 'blocked'), [{ ...accepted, dropped: { packet: 'ACK', decidedBy: hit('ct state invalid drop', 'drop', 'edge.nft:7') } }]);
  expect(decidingHit(later)?.at).toBe('edge.nft:7');
  const through = attributed(makeCell({ ruleset: 'edge' }, 'blocked', 'pass'), [accepted, { decidedBy: hit('ct state related accept', 'accept', 'edge.nft:11') }]);
  expect(decidingHit(through)?.at).toBe('edge.nft:11');
});

test('a policy drop is told at the line that sets the policy, in nft and in iptables-save', () => {
  const nft = ['table inet other {', '  chain forward {', '    type filter hook forward priority 0; policy accept;', '  }', '}', 'table inet filter {', '  chain input {', '    type filter hook input priority 0; policy accept;', '  }', '  chain forward {', '    type filter hook forward priority filter; policy drop;', '  }', '}'].join('\n');
  expect(policyLine(nft, 'inet filter forward')).toBe(11);
  expect(policyLine(nft, 'inet filter output')).toBeUndefined();
  const saved = ['*nat', ':FORWARD ACCEPT [0:0]', 'COMMIT', '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', '-A FORWARD -p tcp --dport 21 -j ACCEPT', 'COMMIT'].join('\n');
  expect(policyLine(saved, 'ip filter FORWARD')).toBe(6);
});

test('workflow commands escape %, CR and LF in messages, and : and , in properties too', () => {
  expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
  expect(escapeProperty('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext%3A a%2C b');
});

test('paths relative to the workspace with /, none outside it', () => {
  expect(workspacePath(FILE, REPO)).toBe('firewall/edge.nft');
  expect(workspacePath('/elsewhere/edge.nft', REPO)).toBeUndefined();
  expect(workspacePath(`${REPO}-other/edge.nft`, REPO)).toBeUndefined();
});

test('GitHub annotations: one per line, with file, line and title; a file outside the workspace named in the message; past the limit, a count', () => {
  const [line14] = workflowCommands(findingsOf([blockedAt14('PASV'), blockedAt14('EPSV')]), REPO);
  expect(line14).toBe(
    '::error file=firewall/edge.nft,line=14,title=pinhole%3A firewall-drop::PASV RETR, EPSV RETR (vsftpd, probe) in ftp-stateful edge on routed: expected pass, blocked; dropped by this rule: tcp dport 50000-50010 drop. Cause: firewall-drop: SYN dropped at fw',
  );
  const outside = workflowCommands(findingsOf([attributed(blockedAt14('PASV'), [{ decidedBy: hit('drop', 'drop', 'edge.nft:3') }], '/elsewhere/edge.nft')]), REPO);
  expect(outside[0]).toMatch(/^::error title=pinhole%3A firewall-drop::\/elsewhere\/edge\.nft:3: PASV RETR/);
  // Twelve findings on twelve lines: ten annotations and a notice counting the rest.
  const many = Array.from({ length: 12 }, (_, i) => attributed(makeCell({ ruleset: `r${i}`, mode: 'PASV' }, 'pass', 'blocked', { cause: 'firewall-drop: x' }), [{ decidedBy: hit('drop', 'drop', `edge.nft:${i + 1}`) }]));
  const lines = workflowCommands(findingsOf(many), REPO);
  expect(lines).toHaveLength(GITHUB_ANNOTATION_LIMIT + 1);
  expect(lines.at(-1)).toBe('::notice title=pinhole%3A more findings::2 more findings not annotated (GitHub shows 10 per step): see the job summary and the reports');
});

test('job summary: the matrix, each finding at its place, the attacks, the reports', () => {
  const md = jobSummary('pinhole check edge', [blockedAt14('PASV'), makeCell({ ruleset: 'edge', mode: 'EPRT' }, 'pass', 'pass')], ['reports/results.json'], (f, l) => `${workspacePath(f, REPO) ?? f}${l ? `:${l}` : ''}`);
  expect(md).toMatch(/^## pinhole check edge\n\n2 cells: 1 compliant, 1 violation\n\n```text\n/);
  expect(md).toContain('- **violation** at `firewall/edge.nft:14`: PASV RETR');
  expect(md).toContain('Reports: `reports/results.json`');
});

test('GitLab Code Quality: severity by level, the line, a fingerprint that depends on the place and cells, not the words', () => {
  const path = (f: string) => workspacePath(f, REPO) ?? f;
  const [issue] = codeQualityReport(findingsOf([blockedAt14('PASV')]), path);
  expect(issue).toMatchObject({ check_name: 'pinhole-firewall-drop', severity: 'major', location: { path: 'firewall/edge.nft', lines: { begin: 14 } } });
  const reworded = { ...blockedAt14('PASV'), cause: 'firewall-drop: other words' };
  expect(codeQualityReport(findingsOf([reworded]), path)[0]!.fingerprint).toBe(issue!.fingerprint);
  expect(codeQualityReport(findingsOf([blockedAt14('EPSV')]), path)[0]!.fingerprint).not.toBe(issue!.fingerprint);
});

test('SARIF 2.1.0: a result per finding at its line, rule ids per level and cause code, rules declared', () => {
  const log = sarifLog(findingsOf([blockedAt14('PASV')]), (f) => workspacePath(f, REPO) ?? f, '0.1.0');
  expect(log.version).toBe('2.1.0');
  const run = log.runs[0]!;
  expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(['violation/firewall-drop']);
  expect(run.results![0]).toMatchObject({
    ruleId: 'violation/firewall-drop',
    level: 'error',
    locations: [{ physicalLocation: { artifactLocation: { uri: 'firewall/edge.nft', uriBaseId: '%SRCROOT%' }, region: { startLine: 14 } } }],
  });
});

test('a check file\'s expectation: named in the message and annotated at its key line; a pass where blocked was expected has code passed', () => {
  const through = attributed(makeCell({ ruleset: 'edge', mode: 'PORT' }, 'blocked', 'pass'), [accepted, { decidedBy: hit('ct state related accept', 'accept', 'edge.nft:11') }]);
  const expectationOf = () => ({ file: `${REPO}/pinhole.yaml`, line: 9, key: 'PORT' });
  const found = findingsOf([through], expectationOf);
  expect(found[0]).toMatchObject({ code: 'passed', line: 11, expectedAt: { line: 9, key: 'PORT' } });
  const lines = workflowCommands(found, REPO);
  expect(lines[0]).toContain('::error file=firewall/edge.nft,line=11,title=pinhole%3A passed::PORT RETR (vsftpd, probe) in ftp-stateful edge on routed: expected blocked, passed; let through by this rule: ct state related accept. Expected by pinhole.yaml:9 (PORT: blocked).');
  expect(lines[1]).toMatch(/^::notice file=pinhole.yaml,line=9,title=pinhole%3A the expectation::PORT: blocked, and PORT RETR/);
});

test('a finding with no line: the annotation names the file alone, Code Quality and SARIF say line 1 and no region', () => {
  const noLine = findingsOf([makeCell({ ruleset: 'edge', mode: 'PORT' }, 'pass', 'error', { cause: 'server-died: vsftpd' })].map((c) => ({ ...c, attribution: { node: 'fw', file: FILE, connections: [] } })));
  expect(noLine[0]).toMatchObject({ level: 'inconclusive', file: FILE });
  expect(noLine[0]!.line).toBeUndefined();
  expect(workflowCommands(noLine, REPO)[0]).toMatch(/^::warning file=firewall\/edge\.nft,title=pinhole%3A inconclusive::PORT RETR/);
  const path = (f: string) => workspacePath(f, REPO) ?? f;
  expect(codeQualityReport(noLine, path)[0]).toMatchObject({ severity: 'minor', location: { path: 'firewall/edge.nft', lines: { begin: 1 } } });
  expect(sarifLog(noLine, path, '0.1.0').runs[0]!.results![0]!.locations![0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'firewall/edge.nft', uriBaseId: '%SRCROOT%' } });
});
