/**
 * The harness side of the slipstream attacker (probes/slipstream-attacker.ts): a web server in
 * the server node that dials back whatever a PORT/EPRT line inside a web connection names.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NodeHandle } from '../drivers/driver.ts';

const SCRIPT = fileURLToPath(new URL('../probes/slipstream-attacker.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');

export interface Dial {
  dialled: { host: string; port: number };
  /** `connected`, or the error code the dial ended with. */
  result: string;
}

export class WebAttacker implements AsyncDisposable {
  private seen: Dial[] = [];

  private constructor(private readonly child: ChildProcess) {}

  static async start(node: NodeHandle, port: number): Promise<WebAttacker> {
    const child = node.spawn(['node', '--import', TSX_LOADER, SCRIPT, String(port)]);
    const attacker = new WebAttacker(child);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`web attacker in node ${node.name}: not listening on port ${port} after 15 s`)), 15_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const msg = JSON.parse(line) as Dial | { ready: true };
        if ('ready' in msg) {
          clearTimeout(timer);
          resolve();
        } else attacker.seen.push(msg);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`web attacker in node ${node.name} exited (${code}): ${stderr.trim()}`));
      });
    });
    return attacker;
  }

  /** Dials since the last reset. */
  dials(): Dial[] {
    return [...this.seen];
  }

  reset(): void {
    this.seen = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await gone;
  }
}
