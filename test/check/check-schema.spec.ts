// The JSON Schema shipped for editors (harness/check/check.schema.json) is the check file's zod
// schema as it is now, and it knows what a user writes in README's example.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { CHECK_JSON_SCHEMA_FILE, renderCheckJsonSchema } from '../../harness/expectations/write-check-schema.ts';

test('harness/check/check.schema.json is up to date (regenerate with `npm run schema`)', () => {
  expect(readFileSync(CHECK_JSON_SCHEMA_FILE, 'utf8')).toBe(renderCheckJsonSchema());
  const schema = JSON.parse(renderCheckJsonSchema()) as { required: string[]; properties: { checks: { items: { required: string[]; properties: Record<string, { additionalProperties?: unknown }> } } } };
  expect(schema.required).toEqual(['name', 'checks']);
  const check = schema.properties.checks.items;
  // ruleset or frontend, exactly one (oneOf), and a topology.
  expect(check.required).toEqual(['topology']);
  expect((check as { oneOf?: unknown }).oneOf).toEqual([{ required: ['ruleset'] }, { required: ['frontend'] }]);
  expect(Object.keys(check.properties)).toEqual(['ruleset', 'frontend', 'topology', 'on', 'servers', 'clients', 'commands', 'families', 'tls', 'scenarios', 'probes', 'security', 'combinations', 'expect', 'accept']);
  expect(check.properties.expect!.additionalProperties).toEqual({ enum: ['pass', 'blocked'] });
});
