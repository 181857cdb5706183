/** Drivers by name; an unknown name is bad input and the error lists the valid choices. */
import { InputError } from '../errors.ts';
import type { DriverName } from '../model.ts';
import type { TopologySpec } from '../topology/schema.ts';
import type { Driver, PreflightProblem, StartedTopology } from './driver.ts';
import { NetnsDriver } from './netns/netns-driver.ts';

/**
 * A driver whose module is loaded on first use. The docker driver's libraries (dockerode,
 * testcontainers) take most of a second to load: every netns command and Playwright worker
 * would pay for them otherwise.
 */
class LazyDriver implements Driver {
  private loaded: Promise<Driver> | undefined;
  constructor(
    readonly name: DriverName,
    private readonly load: () => Promise<Driver>,
  ) {}

  private driver(): Promise<Driver> {
    return (this.loaded ??= this.load());
  }

  async preflight(): Promise<PreflightProblem[]> {
    return (await this.driver()).preflight();
  }

  async up(spec: TopologySpec): Promise<StartedTopology> {
    return (await this.driver()).up(spec);
  }

  async clean(opts?: { all?: boolean; mine?: boolean }): Promise<string[]> {
    return (await this.driver()).clean(opts);
  }
}

const DRIVERS: Record<DriverName, () => Driver> = {
  netns: () => new NetnsDriver(),
  docker: () => new LazyDriver('docker', async () => new (await import('./docker/docker-driver.ts')).DockerDriver()),
};

export const DRIVER_NAMES: readonly DriverName[] = ['netns', 'docker'];

export function driverFor(name: string): Driver {
  if (name in DRIVERS) return DRIVERS[name as DriverName]();
  throw new InputError(`unknown driver ${JSON.stringify(name)}; valid drivers: ${DRIVER_NAMES.join(', ')}`);
}
