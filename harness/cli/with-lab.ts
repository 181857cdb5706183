/**
 * The lab lifecycle of the in-process commands (`explore`, `diff`): one lab brought up, the work
 * done on it, the lab removed, also when the user presses Ctrl-C in the middle.
 */
import type { Driver } from '../drivers/driver.ts';
import { Lab } from '../lab.ts';
import type { ServerKind } from '../model.ts';
import type { TopologySpec } from '../topology/schema.ts';

export async function withLab<T>(spec: TopologySpec, driver: Driver, opts: { serverKind?: ServerKind | undefined }, work: (lab: Lab) => Promise<T>): Promise<T> {
  // Interrupted: remove exactly what this process made, then leave with the conventional code.
  // The finally below never runs then: process.exit does not unwind the pending await.
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\npinhole: interrupted by ${sig}; removing this run's namespaces\n`);
    void driver.clean({ mine: true }).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const lab = await Lab.up(spec, driver, opts);
    try {
      return await work(lab);
    } finally {
      await lab[Symbol.asyncDispose]();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
