// The docker driver interrupted at random moments of `explore`: containers and networks of the
// run removed within 5 s of the signal, nothing of the run left.
import { expect, test } from '../../support/driver-test.ts';
import { expectCleanInterruption, interruptCommand } from '../../support/interrupted-command.ts';

const EXPLORE = ['explore', '--driver', 'docker', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/no-helper.nft'];

test('explore on docker interrupted at three random moments after its run exists (bring-up, cells, later)', async ({ driverName }) => {
  test.skip(driverName !== 'docker', 'Docker resources');
  test.setTimeout(240_000);
  // Counted from the moment the run exists: its networks and containers are being made or used.
  // The whole explore takes about 7.5 s from there on a loaded 2-core machine.
  const moments = [Math.round(Math.random() * 800), 1500 + Math.round(Math.random() * 2000), 3500 + Math.round(Math.random() * 3000)];
  for (const [i, afterMs] of moments.entries()) {
    const signal = i % 2 === 0 ? 'SIGINT' : 'SIGTERM';
    const r = await interruptCommand(EXPLORE, { afterMs, fromFirstRun: true, signal, to: i % 2 === 0 ? 'group' : 'process' });
    expect(r.runIds.length, r.output.slice(-3000)).toBe(1);
    expectCleanInterruption(r, `${signal} ${afterMs} ms after the run existed`);
  }
});
