/**
 * Names of the namespaces a run creates. Node and segment names are validated by the topology
 * schema (lower-case letters, digits, dashes), so these are always safe file names under /run/netns.
 */
import { RESOURCE_PREFIX } from '../../run-state.ts';

export const nodeNamespace = (runId: string, node: string) => `${RESOURCE_PREFIX}${runId}-n-${node}`;
export const segmentNamespace = (runId: string, segment: string) => `${RESOURCE_PREFIX}${runId}-s-${segment}`;

/** The run id a namespace belongs to, or undefined when it is not one of ours. */
export function runIdOfNamespace(ns: string): string | undefined {
  const m = /^pinhole-([0-9a-f]+)-[ns]-/.exec(ns);
  return m?.[1];
}
