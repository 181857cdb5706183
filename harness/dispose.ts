/**
 * Teardown that never stops half way: every step runs even when an earlier one failed, and the
 * first error is rethrown at the end (the Playwright fixture runner's rule).
 */
export async function disposeAll(steps: ReadonlyArray<() => Promise<unknown> | unknown>): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/** A stack of cleanups run in reverse order of registration (like `await using` declarations). */
export class DisposeStack implements AsyncDisposable {
  private readonly steps: Array<() => Promise<unknown> | unknown> = [];

  defer(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const steps = this.steps.splice(0).reverse();
    await disposeAll(steps);
  }
}

/**
 * Waits for every start; what did start goes on `stack` (to be stopped with the rest) even when
 * another start failed, and then the first failure is thrown.
 */
export async function startAll<T extends AsyncDisposable>(starts: ReadonlyArray<Promise<T>>, stack: DisposeStack): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  for (const r of settled) if (r.status === 'fulfilled') stack.defer(() => r.value[Symbol.asyncDispose]());
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
