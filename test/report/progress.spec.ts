// Progress of a long run, with a fake clock and a fake stream: the status line on a terminal,
// plain throttled lines elsewhere, and nothing left on screen before the matrix prints.
import { test, expect } from '@playwright/test';
import { finalLine, formatElapsed, isLiveTerminal, plainLine, Progress, statusLine, type ProgressState } from '../../harness/report/progress.ts';

class FakeStream {
  text = '';
  columns: number | undefined = undefined;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  /** What a terminal shows: `\r` + clear-line erases back to the start of the line. */
  get screen(): string {
    return this.text
      .split('\n')
      .map((line) => line.split('\r\x1b[2K').at(-1))
      .join('\n');
  }
}

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const state = (over: Partial<ProgressState> = {}): ProgressState => ({
  total: 718,
  done: 312,
  elapsedMs: 22_400,
  current: 'ftp-stateful › nft-helper › PORT RETR',
  tallies: {},
  ...over,
});

test('the lines, exactly', () => {
  expect(statusLine(state())).toBe('[312/718] 43% 22 s  ftp-stateful › nft-helper › PORT RETR');
  expect(statusLine(state({ done: 5, tallies: { compliant: 3, violation: 1, inconclusive: 1 } }))).toBe('[  5/718] 0% 22 s  1 violation, 1 inconclusive  ftp-stateful › nft-helper › PORT RETR');
  expect(statusLine(state({ done: 0, current: null, elapsedMs: 0 }))).toBe('[  0/718] 0% 0 s  starting');
  expect(plainLine(state({ tallies: { violation: 2, skipped: 4 } }))).toBe('pinhole: 312/718 cells (43%), 22 s, 2 violations, 4 skipped, last: ftp-stateful › nft-helper › PORT RETR');
  expect(finalLine(state({ done: 718, elapsedMs: 95_000 }))).toBe('pinhole: 718/718 cells in 1 min 35 s');
  expect(formatElapsed(59_999)).toBe('59 s');
  expect(formatElapsed(3_600_000)).toBe('60 min 00 s');
});

test('a status line never wraps: cut to the terminal width', () => {
  const line = statusLine(state(), 30);
  expect(line).toBe('[312/718] 43% 22 s  ftp-stat…');
  expect(line.length).toBe(29);
});

test('live only on a terminal outside CI', () => {
  expect(isLiveTerminal({ isTTY: true }, {})).toBe(true);
  expect(isLiveTerminal({ isTTY: true }, { CI: 'true' })).toBe(false);
  expect(isLiveTerminal({ isTTY: true }, { CI: '1' })).toBe(false);
  expect(isLiveTerminal({ isTTY: true }, { CI: 'false' })).toBe(true);
  expect(isLiveTerminal({ isTTY: false }, {})).toBe(false);
  expect(isLiveTerminal({}, {})).toBe(false);
});

test('on a terminal: one line rewritten in place, the running cell shown, cleared at the end', () => {
  const stream = new FakeStream();
  const clock = fakeClock();
  const p = new Progress(stream, { live: true, now: clock.now, refreshMs: 0 });
  p.begin(4, 2);
  p.testBegin('a', 'suite › rs › PORT RETR');
  p.testBegin('b', 'suite › rs › PORT STOR');
  clock.advance(1500);
  p.testEnd('b', 'compliant');
  // Two workers: the cell still running is shown, not the one that ended.
  expect(stream.screen).toBe('[1/4] 25% 1 s  suite › rs › PORT RETR');
  p.testEnd('a', 'violation');
  expect(stream.screen).toBe('[2/4] 50% 1 s  1 violation  suite › rs › PORT RETR');
  expect(stream.text).not.toContain('\n');

  // Worker output goes above the status line, which comes back after it.
  p.interject('a worker said something\n');
  expect(stream.screen).toBe('a worker said something\n[2/4] 50% 1 s  1 violation  suite › rs › PORT RETR');

  clock.advance(10_000);
  p.finish();
  expect(stream.screen).toBe('a worker said something\npinhole: 2/4 cells in 11 s, 1 violation\n');
});

test('not a terminal: a plain line for the first cell, then every 10 % or 10 s, then the final count', () => {
  const stream = new FakeStream();
  const clock = fakeClock();
  const p = new Progress(stream, { live: false, now: clock.now });
  p.begin(100, 2);
  for (let i = 1; i <= 100; i++) {
    p.testBegin(String(i), `cell ${i}`);
    // Cells 1-25 take 100 ms each; cell 26 takes 30 s (a slow lab), the rest 10 ms.
    clock.advance(i <= 25 ? 100 : i === 26 ? 30_000 : 10);
    p.testEnd(String(i), i === 50 ? 'violation' : 'compliant');
  }
  p.finish();
  const lines = stream.text.trimEnd().split('\n');
  expect(stream.text).not.toContain('\r');
  expect(lines[0]).toBe('pinhole: running 100 cells on 2 workers');
  expect(lines.slice(1, 5)).toEqual([
    'pinhole: 1/100 cells (1%), 0 s, last: cell 1',
    'pinhole: 10/100 cells (10%), 1 s, last: cell 10',
    'pinhole: 20/100 cells (20%), 2 s, last: cell 20',
    // 10 s since the last line (cell 26 was slow) before the next tenth.
    'pinhole: 26/100 cells (26%), 32 s, last: cell 26',
  ]);
  expect(lines).toContain('pinhole: 50/100 cells (50%), 32 s, 1 violation, last: cell 50');
  expect(lines.filter((l) => /^pinhole: \d+\/100 cells \(/.test(l))).toHaveLength(11);
  expect(lines.at(-1)).toBe('pinhole: 100/100 cells in 33 s, 1 violation');
});

test('an interrupted run says how far it got; no cells, no count', () => {
  const stream = new FakeStream();
  const p = new Progress(stream, { live: false, now: fakeClock().now });
  p.begin(10);
  p.testBegin('1', 'one');
  p.testEnd('1', 'skipped');
  p.finish();
  expect(stream.text.trimEnd().split('\n').at(-1)).toBe('pinhole: 1/10 cells in 0 s, 1 skipped');

  const empty = new FakeStream();
  const q = new Progress(empty, { live: true, now: fakeClock().now, refreshMs: 0 });
  q.begin(0);
  q.finish();
  expect(empty.screen).toBe('');
});
