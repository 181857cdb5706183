// A test whose driver is set per project (netns or docker), and what "nothing left" means for each.
import { test as base } from '@playwright/test';
import Docker from 'dockerode';
import { RUN_LABEL } from '../../harness/drivers/docker/docker-names.ts';
import { run } from '../../harness/exec.ts';
import type { DriverName } from '../../harness/model.ts';

export const test = base.extend<{ driverName: DriverName; requireDriver: void }>({
  driverName: ['netns', { option: true }],
  // Docker tests need an engine: skipped with the reason where there is none, unless CI says
  // it must be there (PINHOLE_REQUIRE_DOCKER=1), where a missing engine fails them.
  requireDriver: [
    async ({ driverName }, use, testInfo) => {
      if (driverName === 'docker' && process.env.PINHOLE_REQUIRE_DOCKER !== '1') {
        const up = await new Docker().ping().then(() => true, () => false);
        testInfo.skip(!up, 'no Docker engine answers on this host (set PINHOLE_REQUIRE_DOCKER=1 to fail instead)');
      }
      await use();
    },
    { auto: true },
  ],
});
export { expect } from '@playwright/test';

/** Resources of run `id` still present on the host, whatever the driver. */
export async function leftovers(id: string): Promise<string[]> {
  const namespaces = (await run(['ip', 'netns', 'list'])).stdout.split('\n').filter((l) => l.includes(`pinhole-${id}-`));
  const docker = new Docker();
  if (!(await docker.ping().then(() => true, () => false))) return namespaces;
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${id}`] });
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`);
  const networks = (await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`);
  return [...namespaces, ...containers, ...networks];
}
