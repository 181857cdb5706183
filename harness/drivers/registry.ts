/** Drivers by name; an unknown name is bad input and the error lists the valid choices. */
import { InputError } from '../errors.ts';
import type { DriverName } from '../model.ts';
import type { Driver } from './driver.ts';
import { DockerDriver } from './docker/docker-driver.ts';
import { NetnsDriver } from './netns/netns-driver.ts';

const DRIVERS: Record<DriverName, () => Driver> = {
  netns: () => new NetnsDriver(),
  docker: () => new DockerDriver(),
};

export const DRIVER_NAMES: readonly DriverName[] = ['netns', 'docker'];

export function driverFor(name: string): Driver {
  if (name in DRIVERS) return DRIVERS[name as DriverName]();
  throw new InputError(`unknown driver ${JSON.stringify(name)}; valid drivers: ${DRIVER_NAMES.join(', ')}`);
}
