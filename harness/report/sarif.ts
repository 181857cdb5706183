/**
 * SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`): each finding a
 * result at its rule set line, the rule id its cause code, so that an attack that gets through
 * becomes an alert that can be tracked and dismissed.
 */
import { createHash } from 'node:crypto';
import type { Log } from 'sarif';
import type { Finding } from './findings.ts';
import { describeFinding } from './findings.ts';

const LEVEL = { attack: 'error', violation: 'error', inconclusive: 'warning' } as const;

/** The log, typed by @types/sarif (the SARIF 2.1.0 schema's definitions). */
export type SarifLog = Log;

/** `uri(file)`: the file relative to the repository root, with `/`. */
export function sarifLog(findings: readonly Finding[], uri: (file: string) => string, version: string): SarifLog {
  const ruleIds = [...new Set(findings.map((f) => `${f.level === 'attack' ? 'attack' : f.level}/${f.code}`))];
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'pinhole',
            version,
            informationUri: 'https://www.npmjs.com/package/pinhole',
            rules: ruleIds.map((id) => ({ id, name: id.replace(/[/-](.)/g, (_, c: string) => c.toUpperCase()), shortDescription: { text: `pinhole ${id.replace('/', ': ')}` }, properties: { tags: id.startsWith('attack') ? ['security'] : ['firewall'] } })),
          },
        },
        results: findings.map((f) => ({
          ruleId: `${f.level === 'attack' ? 'attack' : f.level}/${f.code}`,
          level: LEVEL[f.level],
          message: { text: describeFinding(f) },
          locations: f.file === undefined ? [] : [{ physicalLocation: { artifactLocation: { uri: uri(f.file), uriBaseId: '%SRCROOT%' }, ...(f.line !== undefined ? { region: { startLine: f.line } } : {}) } }],
          partialFingerprints: { pinholeFinding: createHash('sha256').update(JSON.stringify([f.level, f.file === undefined ? f.cells[0]!.ruleset : uri(f.file), f.line ?? null, f.cells.map((c) => c.id).sort()])).digest('hex').slice(0, 32) },
        })),
      },
    ],
  };
}
