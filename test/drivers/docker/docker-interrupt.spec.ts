// The docker driver interrupted at random moments of `explore`: containers and networks of the
// run removed within 5 s of the signal, nothing of the run left.
import { expect, test } from '../../support/driver-test.ts';
import { interruptCommand } from '../../support/interrupted-command.ts';

const EXPLORE = ['explore', '--driver', 'docker', '--topology', 'routed', '--ruleset', 'suites/ftp-stateful/rulesets/no-helper.nft'];

test('explore on docker interrupted at three random moments after its run exists (bring-up, cells, later)', async ({ driverName }) => {
  test.skip(driverName !== 'docker', 'Docker resources');
  test.setTimeout(240_000);
  // Counted from the moment the run exists: its networks and containers are being made or used.
  const moments = [Math.round(Math.random() * 800), 1500 + Math.round(Math.random() * 2000), 4000 + Math.round(Math.random() * 4000)];
  for (const [i, afterMs] of moments.entries()) {
    const signal = i % 2 === 0 ? 'SIGINT' : 'SIGTERM';
    const r = await interruptCommand(EXPLORE, { afterMs, fromFirstRun: true, signal, to: i % 2 === 0 ? 'group' : 'process' });
    const context = `${signal} ${afterMs} ms after the run existed\n${r.output.slice(-3000)}`;
    test.info().annotations.push({ type: 'interruption', description: `${context.split('\n')[0]}: exit ${r.code} ${r.exitMs} ms after the signal; ${/pinhole: (interrupted by .*)$/m.exec(r.output)?.[1] ?? 'finished first'}` });
    expect(r.runIds.length, context).toBe(1);
    expect(r.left, context).toEqual([]);
    if (r.signalledAtMs === undefined) continue;
    expect(r.code, context).toBe(130);
    expect(r.exitMs, context).toBeLessThan(5000);
    expect(r.output, context).toMatch(/pinhole: interrupted by SIG(INT|TERM) while [a-z]/);
  }
});
