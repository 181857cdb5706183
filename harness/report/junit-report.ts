/**
 * The JUnit report for CI. Keeps the three non-pass outcomes apart all the way into the XML:
 * a violation is a <failure>, an inconclusive cell an <error>, a skipped cell <skipped/>.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import junit, { type Builder } from 'junit-report-builder';
import { type DriverName } from '../model.ts';
import { variantOf, type CellResult } from '../cell-contract.ts';
import { describeConnection } from '../evidence/attribution.ts';
import { groupBy } from './group-by.ts';
import { compareCells } from './json-report.ts';

// The package is a CommonJS bundle (`module.exports = builder`) with an ESM-style d.ts
// (`export default`), so under NodeNext TypeScript types the default import as the module
// namespace while Node hands over module.exports itself. Accept both shapes, checked once.
const junitModule = junit as unknown as Builder | { default: Builder };
const rootBuilder: Builder = 'newBuilder' in junitModule ? junitModule : junitModule.default;

/** `expected blocked, observed pass (data-connected)`: the one diagnostic line per check. */
export function describeMismatch(cell: CellResult): string {
  const line = `expected ${cell.expected ?? 'nothing'}, observed ${cell.observed ?? 'nothing'}`;
  return cell.cause === null ? line : `${line} (${cell.cause})`;
}

/**
 * `attachmentsOf` names a cell's evidence files (absolute paths). They are listed in the test
 * case's system-out as `[[ATTACHMENT|path]]`, the convention Jenkins' JUnit attachments plugin
 * and GitLab read, so a CI page links a failed cell to its captures.
 */
export function buildJUnitReport(driver: DriverName, cells: readonly CellResult[], attachmentsOf: (cell: CellResult) => readonly string[] = () => []): string {
  // A fresh builder per call: the package's default export is a process-wide singleton.
  const report = rootBuilder.newBuilder().name(`pinhole ${driver}`);
  // One test suite per suite/topology/ruleset, in the order the sorted cells first show them.
  for (const group of groupBy([...cells].sort(compareCells), (cell) => JSON.stringify([cell.suite, cell.topology, cell.ruleset]))) {
    const first = group[0];
    if (first === undefined) continue;
    const suite = report
      .testSuite()
      .name(`${first.suite} ${first.topology} ${first.ruleset}`)
      .time(seconds(group.reduce((sum, cell) => sum + cell.durationMs, 0)));
    for (const cell of group) {
      const testCase = suite
        .testCase()
        .className(`${cell.suite}.${cell.topology}.${cell.ruleset}`)
        .name([cell.mode, cell.command, ...variantOf(cell)].join(' '))
        .time(seconds(cell.durationMs))
        .property('mode', cell.mode)
        .property('command', cell.command)
        .property('expected', cell.expected ?? '')
        .property('observed', cell.observed ?? '')
        .property('cause', cell.cause ?? '')
        .property('driver', driver)
        .property('verdict', cell.verdict)
        .property('id', cell.id)
        .property('family', cell.family)
        .property('serverKind', cell.serverKind)
        .property('clientKind', cell.clientKind)
        .property('tls', cell.tls)
        .property('kind', cell.kind)
        .property('probe', cell.probe);
      // A rendered rule set: which frontend, which version, which configuration.
      if (cell.frontend) testCase.property('frontend', `${cell.frontend.kind} ${cell.frontend.version}`).property('frontendConfig', cell.frontend.config).property('rendering', cell.frontend.rendering.join(' '));
      if (cell.advice) testCase.property('advice', cell.advice.change).property('adviceVerified', String(cell.advice.verified));
      // Which rule decided each connection: `control`, `data`; `data2`... for a session's next ones.
      const seen = { control: 0, data: 0 };
      for (const c of cell.attribution?.connections ?? []) {
        const n = ++seen[c.connection];
        testCase.property(n === 1 ? c.connection : `${c.connection}${n}`, describeConnection(c));
      }
      if (cell.evidence) testCase.property('evidence', cell.evidence);
      switch (cell.verdict) {
        case 'violation':
          testCase.failure(describeMismatch(cell), 'violation');
          break;
        case 'inconclusive':
          testCase.error(describeMismatch(cell), 'inconclusive');
          break;
        case 'skipped':
          testCase.skipped();
          break;
        case 'compliant':
        case 'observed':
          break;
        case 'accepted':
          testCase.property('accepted', cell.accepted ?? '');
          break;
      }
      // CI UIs show system-out next to the test; a skipped cell has no message of its own.
      const out = [
        ...(cell.cause !== null ? [cell.cause] : []),
        ...(cell.advice ? [`advice (${cell.advice.verified ? 'verified by re-running the cell' : 'not verified'}):`, cell.advice.change] : []),
        ...attachmentsOf(cell).map((f) => `[[ATTACHMENT|${f}]]`),
      ];
      if (out.length > 0) testCase.standardOutput(out.join('\n'));
    }
  }
  return report.build();
}

export function writeJUnitReport(file: string, driver: DriverName, cells: readonly CellResult[], attachmentsOf?: (cell: CellResult) => readonly string[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, buildJUnitReport(driver, cells, attachmentsOf), 'utf8');
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
