/** Drivers by name; an unknown name is bad input and the error lists the valid choices. */
import { InputError } from '../errors.ts';
import type { DriverName } from '../model.ts';
import type { Driver } from './driver.ts';
import { NetnsDriver } from './netns/netns-driver.ts';

const DRIVERS: Record<string, () => Driver> = {
  netns: () => new NetnsDriver(),
};

export const DRIVER_NAMES: readonly DriverName[] = ['netns', 'docker'];

export function driverFor(name: string): Driver {
  const make = DRIVERS[name];
  if (make) return make();
  if (name === 'docker') throw new InputError('driver "docker" is not available yet in this version of pinhole; use --driver netns');
  throw new InputError(`unknown driver ${JSON.stringify(name)}; valid drivers: ${Object.keys(DRIVERS).join(', ')}`);
}
