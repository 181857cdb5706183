import { test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory under /tmp for a spec file's outputs (reports, evidence, generated inputs): made
 * on first use in a worker, removed after the file's tests there. Made lazily because the
 * runner also loads a spec file to list its tests, and a directory made then is never removed.
 * Call at the top of the file; the returned function gives the path.
 */
export function scratchDir(prefix: string): () => string {
  let dir: string | undefined;
  test.afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => (dir ??= mkdtempSync(join(tmpdir(), prefix)));
}
