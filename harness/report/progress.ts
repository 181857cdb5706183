/**
 * Progress of a long run: cells done out of the total, the time so far, what is running now.
 * On a terminal, one status line rewritten in place; in CI or a pipe, a plain line now and then
 * (a log must not get a line per cell from two sources, nor a `\r` it cannot show), and the
 * final count in both. Fed by reporter events; the clock and the stream are injected so the
 * formatting is tested without a terminal.
 */
import type { Verdict } from '../model.ts';

export interface ProgressStream {
  write(chunk: string): unknown;
  /** Terminal width; a status line longer than it would wrap, and `\r` cannot rewrite a wrapped line. */
  columns?: number;
}

export interface ProgressState {
  total: number;
  done: number;
  elapsedMs: number;
  /** The cell running now (the one begun last, of those still running), else the one that ended last. */
  current: string | null;
  /** Cells that did not come out compliant (or observed), by verdict. */
  tallies: Partial<Record<Verdict, number>>;
}

export interface ProgressOptions {
  /** Rewrite one status line (a terminal) rather than print plain lines. */
  live: boolean;
  now?: () => number;
  /** Plain mode: at most one line per this long, unless a tenth of the cells got done since the last one. */
  plainEveryMs?: number;
  /** Live mode: redraw this often so the clock moves while a slow cell runs; 0 never. */
  refreshMs?: number;
}

/** `CI=false` and `CI=0` say "not CI", as in most CI-detection libraries. */
export function isLiveTerminal(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return Boolean(stream.isTTY) && !ci;
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function percent(s: ProgressState): number {
  return s.total === 0 ? 100 : Math.floor((s.done / s.total) * 100);
}

/** Only what needs a look: compliant and observed cells are the ordinary case. */
const TALLY_WORDS: ReadonlyArray<[Verdict, string, string]> = [
  ['violation', 'violation', 'violations'],
  ['inconclusive', 'inconclusive', 'inconclusive'],
  ['skipped', 'skipped', 'skipped'],
];

function tallyText(s: ProgressState): string {
  return TALLY_WORDS.flatMap(([v, one, many]) => {
    const n = s.tallies[v] ?? 0;
    return n === 0 ? [] : [`${n} ${n === 1 ? one : many}`];
  }).join(', ');
}

/** `[312/718] 43% 22 s  2 violations  ftp-stateful › nft-helper › PORT RETR`, cut to `width`. */
export function statusLine(s: ProgressState, width?: number): string {
  const count = `[${String(s.done).padStart(String(s.total).length)}/${s.total}]`;
  const line = [`${count} ${percent(s)}% ${formatElapsed(s.elapsedMs)}`, tallyText(s), s.current ?? 'starting'].filter((p) => p !== '').join('  ');
  // One column spare: writing into the last one makes some terminals wrap at once.
  return width !== undefined && width > 1 && line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
}

/** `pinhole: 312/718 cells (43%), 22 s, 2 violations, last: ftp-stateful › nft-helper › PORT RETR` */
export function plainLine(s: ProgressState): string {
  const parts = [`pinhole: ${s.done}/${s.total} cells (${percent(s)}%)`, formatElapsed(s.elapsedMs), tallyText(s), ...(s.current ? [`last: ${s.current}`] : [])];
  return parts.filter((p) => p !== '').join(', ');
}

/** `pinhole: 718/718 cells in 55 s`; an interrupted run shows how far it got. */
export function finalLine(s: ProgressState): string {
  const tallies = tallyText(s);
  return `pinhole: ${s.done}/${s.total} cells in ${formatElapsed(s.elapsedMs)}${tallies ? `, ${tallies}` : ''}`;
}

const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private total = 0;
  private done = 0;
  private startedAt = 0;
  private readonly running = new Map<string, string>();
  private lastEnded: string | null = null;
  private readonly tallies: Partial<Record<Verdict, number>> = {};
  /** Plain mode: when the last line was printed and how many cells it counted. */
  private printedAt = 0;
  private printedDone = 0;
  /** Live mode: a status line is on screen and must be cleared before anything else prints. */
  private shown = false;
  /** Between begin() and finish(): the only time a status line belongs on screen. */
  private active = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  begin(total: number, workers?: number): void {
    this.total = total;
    this.startedAt = this.printedAt = this.now();
    this.active = true;
    if (!this.opts.live) {
      this.stream.write(`pinhole: running ${total} ${total === 1 ? 'cell' : 'cells'}${workers ? ` on ${workers} ${workers === 1 ? 'worker' : 'workers'}` : ''}\n`);
      return;
    }
    this.draw();
    const refreshMs = this.opts.refreshMs ?? 1000;
    if (refreshMs > 0) {
      this.timer = setInterval(() => this.draw(), refreshMs);
      // Never the reason the process stays alive.
      this.timer.unref();
    }
  }

  testBegin(id: string, title: string): void {
    this.running.set(id, title);
    if (this.opts.live && this.active) this.draw();
  }

  testEnd(id: string, verdict: Verdict | null): void {
    this.lastEnded = this.running.get(id) ?? this.lastEnded;
    this.running.delete(id);
    this.done += 1;
    if (verdict !== null) this.tallies[verdict] = (this.tallies[verdict] ?? 0) + 1;
    if (this.opts.live) {
      if (this.active) this.draw();
      return;
    }
    const tenth = (n: number) => Math.floor((n * 10) / Math.max(this.total, 1));
    // The first cell says the run got going; the last is told by finish().
    const due = this.done === 1 || this.now() - this.printedAt >= (this.opts.plainEveryMs ?? 10_000) || tenth(this.done) > tenth(this.printedDone);
    if (due && this.done < this.total) {
      this.stream.write(`${plainLine(this.state())}\n`);
      this.printedAt = this.now();
      this.printedDone = this.done;
    }
  }

  /** Prints something else (a worker's output, an error) without tearing the status line. */
  interject(text: string, to: ProgressStream = this.stream): void {
    this.clear();
    to.write(text);
    if (this.opts.live && this.active) this.draw();
  }

  /** Clears the status line and prints the final count; the matrix comes after. */
  finish(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.active = false;
    this.clear();
    if (this.total > 0) this.stream.write(`${finalLine(this.state())}\n`);
  }

  state(): ProgressState {
    const running = [...this.running.values()];
    return {
      total: this.total,
      done: this.done,
      elapsedMs: this.now() - this.startedAt,
      current: running.at(-1) ?? this.lastEnded,
      tallies: { ...this.tallies },
    };
  }

  private draw(): void {
    this.stream.write(`${CLEAR_LINE}${statusLine(this.state(), this.stream.columns)}`);
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR_LINE);
    this.shown = false;
  }
}
