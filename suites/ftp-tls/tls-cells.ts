/** The cells of an ftp-tls truth table: one describe per rule set and TLS mode, a cell per mode and command. */
import { fileURLToPath } from 'node:url';
import { test } from '../../harness/suite/fixtures.ts';
import { MODES, type FtpCommand, type ServerSoftware, type TlsMode } from '../../harness/model.ts';
import { cell, type ModeTruth } from '../../harness/suite/suite-kit.ts';

export const P = 'pass';
export const B = 'blocked';
export type TlsRow = readonly [rulesetFile: string, tls: TlsMode, truth: ModeTruth];

const SUITE = 'ftp-tls';
const TOPOLOGY = 'routed';
const SUITE_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Call at the top level of a spec file: the topology and server software are worker options. */
export function defineTlsCells(t: { rows: readonly TlsRow[]; commands: readonly FtpCommand[]; serverKind?: ServerSoftware; tags: string[] }): void {
  for (const [rulesetFile, tls, truth] of t.rows) {
    test.describe([rulesetFile.replace(/^rulesets\//, ''), tls, ...(t.serverKind ? [t.serverKind] : [])].join(' '), () => {
      MODES.forEach((mode, i) => {
        for (const command of t.commands) {
          const where = { suite: SUITE, topology: TOPOLOGY, suiteDir: SUITE_DIR, rulesetFile };
          test(...cell({ ...where, mode, command, tls, expected: truth[i]!, tags: t.tags, ...(t.serverKind ? { serverKind: t.serverKind } : {}) }));
        }
      });
    });
  }
}
