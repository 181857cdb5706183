// Run ownership on a machine shared by several pinhole processes: a run being claimed is never
// taken for a crashed run by another process's clean(). Only this test's own run ids are touched.
import { test, expect } from '@playwright/test';
import { claimRun, knownRunIds, newRunId, releaseRun, runOwnerAlive } from '../harness/run-state.ts';

test('a concurrent clean never removes a run while it is being claimed', async () => {
  const ids = Array.from({ length: 40 }, () => newRunId());
  const mine = new Set(ids);
  let claiming = true;
  // What clean() does with every run it knows: owner not alive, so remove it.
  const cleaner = (async () => {
    while (claiming) {
      for (const id of await knownRunIds()) if (mine.has(id) && !(await runOwnerAlive(id))) await releaseRun(id);
      await new Promise((r) => setImmediate(r));
    }
  })();
  try {
    const claims = await Promise.allSettled(ids.map((id) => claimRun(id)));
    claiming = false;
    await cleaner;
    expect(claims.flatMap((c) => (c.status === 'rejected' ? [String(c.reason)] : []))).toEqual([]);
    for (const id of ids) expect(await runOwnerAlive(id), id).toBe(true);
  } finally {
    claiming = false;
    await Promise.all(ids.map((id) => releaseRun(id)));
  }
});
