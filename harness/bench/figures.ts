/**
 * The small arithmetic every benchmark figure needs: timing a piece of work, the median of a
 * few rounds, and how a figure and its target are printed.
 */
export async function timed<T>(work: () => PromiseLike<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await work();
  return [v, performance.now() - t0];
}

/** The middle value (the upper one of an even count): robust to the odd slow round on a busy machine. */
export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
export const ms = (x: number) => `${x.toFixed(0)} ms`;
export const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;

/** `name: 0.42x (target <= 2x): met — what the ratio is made of`. A figure that is not a number is never met. */
export function target(name: string, value: number, op: '<=' | '>=', limit: number, shown: string, made: string): string {
  const met = Number.isFinite(value) && (op === '<=' ? value <= limit : value >= limit);
  const limitShown = shown.endsWith('%') ? `${limit * 100}%` : `${limit}x`;
  return `${name}: ${shown} (target ${op} ${limitShown}): ${met ? 'met' : 'NOT met'} — ${made}`;
}
