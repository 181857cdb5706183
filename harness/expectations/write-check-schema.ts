/**
 * Generates harness/check/check.schema.json from the check file's zod schema, so editors
 * (`# yaml-language-server: $schema=./node_modules/pinhole/harness/check/check.schema.json`)
 * complete and flag keys in a user's pinhole.yaml. The zod schema stays the single source: a
 * test fails when the shipped file is stale. `npm run schema` writes it with the topology's.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CheckFileSchema } from './check-file.ts';

export const CHECK_JSON_SCHEMA_FILE = fileURLToPath(new URL('../check/check.schema.json', import.meta.url));

/** What a user may write (io: 'input'). Key words and references to files are checked by pinhole only. */
export function renderCheckJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(CheckFileSchema, { io: 'input', target: 'draft-2020-12' }), null, 2)}\n`;
}
