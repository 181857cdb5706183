/**
 * `npm run schema`: the JSON Schemas editors read, generated from the zod schemas pinhole
 * validates with: topologies/topology.schema.json and harness/check/check.schema.json. Tests
 * fail when a committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { CHECK_JSON_SCHEMA_FILE, renderCheckJsonSchema } from '../expectations/write-check-schema.ts';
import { renderTopologyJsonSchema, TOPOLOGY_JSON_SCHEMA_FILE } from '../topology/write-json-schema.ts';

for (const [file, text] of [
  [TOPOLOGY_JSON_SCHEMA_FILE, renderTopologyJsonSchema()],
  [CHECK_JSON_SCHEMA_FILE, renderCheckJsonSchema()],
] as const) {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
