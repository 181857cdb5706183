/**
 * One run of a program inside a node that the harness can stop. The program's pid as the node
 * sees it comes first on its standard output: on the docker driver `spawn` runs `docker exec -i`,
 * and killing that CLI leaves the program running inside the container, so stopping means
 * `kill` inside the node by that pid.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NodeHandle } from '../drivers/driver.ts';

/** How long a killed program may take to be reaped before the local process is killed too. */
const REAP_MS = 2000;

export class NodeProcess {
  /** Resolves once the program has exited and its output is read to the end. */
  readonly exited: Promise<{ code: number | null }>;
  private readonly pid: Promise<number | undefined>;
  private out = '';
  private stopping: Promise<void> | undefined;
  private gone = false;

  private constructor(
    private readonly node: NodeHandle,
    private readonly child: ChildProcess,
    onStderrLine: (line: string) => void,
  ) {
    createInterface({ input: child.stderr! }).on('line', onStderrLine);
    let havePid: (pid: number | undefined) => void = () => undefined;
    this.pid = new Promise((resolve) => (havePid = resolve));
    child.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString('utf8');
      const nl = this.out.indexOf('\n');
      if (nl >= 0) havePid(Number(this.out.slice(0, nl)) || undefined);
    });
    child.stdin?.end();
    this.exited = new Promise((resolve) => {
      child.once('error', () => resolve({ code: null }));
      child.once('close', (code) => resolve({ code }));
    }).then((r) => {
      this.gone = true;
      havePid(undefined);
      return r as { code: number | null };
    });
  }

  /**
   * Starts argv in the node. The constant script prints its own pid, then becomes the program
   * (same pid); arguments are passed as argv ("$0" "$@"), never interpolated into the script.
   */
  static start(node: NodeHandle, argv: readonly string[], onStderrLine: (line: string) => void): NodeProcess {
    const [program, ...args] = argv;
    if (!program) throw new Error('NodeProcess.start: empty argv');
    return new NodeProcess(node, node.spawn(['sh', '-c', 'echo $$; exec "$0" "$@"', program, ...args]), onStderrLine);
  }

  /** Everything the program wrote to standard output (its pid line left out). */
  get stdout(): string {
    const nl = this.out.indexOf('\n');
    return nl < 0 ? '' : this.out.slice(nl + 1);
  }

  /** Kills the program inside the node and waits until it is gone; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.kill();
    return this.stopping;
  }

  private async kill(): Promise<void> {
    const pid = await this.pid;
    if (pid !== undefined && !this.gone) await this.node.exec(['kill', '-KILL', String(pid)]).catch(() => undefined);
    // A program that could not be killed in the node (the node is going away) must not hold the run.
    const reap = setTimeout(() => this.child.kill('SIGKILL'), REAP_MS);
    await this.exited;
    clearTimeout(reap);
  }
}
