/**
 * Generates topologies/topology.schema.json from the zod schema, so editors (yaml-language-server
 * via the `# yaml-language-server: $schema=` comment) complete and flag keys while typing.
 * The zod schema stays the single source: a test fails when the committed file is stale.
 *
 *   npm run schema   (harness/cli/write-schemas.ts)
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TopologySchema } from './schema.ts';

export const TOPOLOGY_JSON_SCHEMA_FILE = fileURLToPath(new URL('../../topologies/topology.schema.json', import.meta.url));

/**
 * The schema of what a user may write (io: 'input'): keys with defaults are optional there.
 * Checks that JSON Schema cannot say (subnets, host bits, cross-references) only run in pinhole.
 */
export function topologyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(TopologySchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The exact text of the committed file. */
export function renderTopologyJsonSchema(): string {
  return `${JSON.stringify(topologyJsonSchema(), null, 2)}\n`;
}
