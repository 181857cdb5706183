/**
 * Names and labels of the Docker resources a run creates. Every container and network carries
 * the run id as a label, so `pinhole clean` finds them without trusting names alone.
 */
import { RESOURCE_PREFIX } from '../../run-state.ts';

export const RUN_LABEL = 'io.pinhole.run';
export const NODE_LABEL = 'io.pinhole.node';

export const containerName = (runId: string, node: string) => `${RESOURCE_PREFIX}${runId}-${node}`;
export const networkName = (runId: string, segment: string) => `${RESOURCE_PREFIX}${runId}-${segment}`;
