/** The host must be able to run the driver before any input is even looked at in depth. */
import type { Driver } from '../drivers/driver.ts';
import { HostError } from '../errors.ts';

export async function requireHost(driver: Driver): Promise<void> {
  const problems = await driver.preflight();
  // One problem, one line (exit 3 in CI logs reads at a glance); several get a list.
  const [only] = problems;
  if (problems.length === 1 && only) throw new HostError(`this host cannot run the ${driver.name} driver: ${only.what}; ${only.fix}`);
  if (problems.length > 0) {
    throw new HostError(
      `this host cannot run the ${driver.name} driver:\n${problems.map((p) => `  - ${p.what}: ${p.fix}`).join('\n')}\n(run \`pinhole doctor\` for the full picture)`,
    );
  }
}
