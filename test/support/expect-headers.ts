/**
 * The header convention of bad-input fixtures: comment lines at the top say what must be
 * reported, so a fixture carries its own expectation.
 *   # expect: <substring of one problem>
 *   # expect-line: <line of the problem matching the preceding expect>
 *   # expect-count: <number of problems, when it matters>
 */
import { readFileSync } from 'node:fs';

export interface ExpectedProblem {
  text: string;
  line?: number;
}

export function expectationsOf(file: string): { expects: ExpectedProblem[]; count?: number } {
  const expects: ExpectedProblem[] = [];
  let count: number | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^# expect(-line|-count)?: (.*)$/.exec(line);
    if (!m) continue;
    const value = m[2]!.trim();
    if (m[1] === undefined) expects.push({ text: value });
    else if (m[1] === '-count') count = Number(value);
    else expects.at(-1)!.line = Number(value);
  }
  return { expects, count };
}
