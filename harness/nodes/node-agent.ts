/**
 * The harness side of the node agent (node-agent.mjs): a long-lived process inside a node that
 * runs the lab's per-cell commands there, so a cell's conntrack flush, rule-set apply, state
 * read and upload hash cost a line on a pipe instead of a fork of the test worker (and nsenter,
 * or a Docker Engine API call). `withAgent` gives a NodeHandle whose `exec` goes through it;
 * everything else (spawn, files, addresses) is the node's own.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NodeHandle } from '../drivers/driver.ts';
import { throwIfStopping, type ExecOptions, type ExecResult } from '../exec.ts';
import { lastWord, NodeStartError } from './node-start-error.ts';

const AGENT = fileURLToPath(new URL('./node-agent.mjs', import.meta.url));
/** As exec.ts's run(): a command that takes longer is killed. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** A plain Node.js start; generous for a loaded machine, or a Docker exec behind other calls. */
const READY_TIMEOUT_MS = 15_000;

type Answer = { id: number } & ({ code: number; stdout: string; stderr: string } | { content: string } | { done: true } | { failure: string });

interface Pending {
  /** What was asked, for error messages: the argv, or the operation. */
  what: readonly string[];
  timeoutMs: number;
  resolve: (a: Answer) => void;
  reject: (e: Error) => void;
}

export class NodeAgent implements AsyncDisposable {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: Error | undefined;
  private stderr = '';

  private constructor(
    readonly node: NodeHandle,
    private readonly child: ChildProcess,
  ) {}

  static async start(node: NodeHandle): Promise<NodeAgent> {
    // The work directory holds the launcher's output files (node-agent.mjs), removed with the node.
    const child = node.spawn(['node', AGENT, node.workDir]);
    const agent = new NodeAgent(node, child);
    child.stderr?.on('data', (d) => (agent.stderr = (agent.stderr + d).slice(-4000)));
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const msg = JSON.parse(line) as Answer | { ready: true };
        if ('ready' in msg) return resolve();
        agent.settle(msg);
      });
      child.once('exit', (code, signal) => {
        agent.exited = new Error(`node agent in node ${node.name} exited (${code ?? signal})${agent.stderr.trim() ? `: ${agent.stderr.trim()}` : ''}`);
        reject(agent.exited);
        for (const p of agent.pending.values()) p.reject(agent.exited);
        agent.pending.clear();
      });
    });
    const timeout = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
    try {
      await ready;
    } catch {
      const said = lastWord(agent.stderr);
      throw new NodeStartError(node.name, 'the node agent', `${child.signalCode ? `killed by ${child.signalCode}` : `exited ${child.exitCode}`} before it was ready${said ? `: ${said}` : ''}`, `# node agent in node ${node.name}\n# stderr\n${agent.stderr.trim() || '(empty)'}\n`);
    } finally {
      clearTimeout(timeout);
    }
    return agent;
  }

  /** Runs argv inside the node, with exec.ts's run() semantics: a non-zero exit is returned, not thrown. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const [file] = argv;
    if (!file) throw new Error('exec: empty argv');
    throwIfStopping(file);
    // An agent that is gone (its node is being torn down) leaves the node's own exec.
    if (this.exited) return this.node.exec(argv, opts);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const input = opts.input === undefined ? {} : Buffer.isBuffer(opts.input) ? { input: opts.input.toString('base64'), inputBase64: true } : { input: opts.input };
    const a = await this.request({ argv, timeoutMs, ...input }, argv, timeoutMs);
    if ('code' in a) return { code: a.code, stdout: a.stdout, stderr: a.stderr };
    throw new Error(`${argv.join(' ')}: the node agent answered ${JSON.stringify(a)}`);
  }

  /** A file as the node's programs see it (its /proc/net is the node's own), read without a program start. */
  async readFile(path: string): Promise<string> {
    if (this.exited) return this.node.readFile(path);
    const a = await this.request({ read: path }, ['read', path], DEFAULT_TIMEOUT_MS);
    if ('content' in a) return a.content;
    throw new Error(`read ${path}: the node agent answered ${JSON.stringify(a)}`);
  }

  /** Kills every descendant of `pid` inside the node, deepest first, without a program start. */
  async killDescendants(pid: number): Promise<void> {
    if (this.exited) return this.node.killDescendants(pid);
    await this.request({ killDescendants: pid }, ['kill descendants of', String(pid)], DEFAULT_TIMEOUT_MS);
  }

  private request(body: object, what: readonly string[], timeoutMs: number): Promise<Answer> {
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { what, timeoutMs, resolve, reject });
      this.child.stdin?.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  private settle(msg: Answer): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (!('failure' in msg)) return p.resolve(msg);
    if (msg.failure === 'ENOENT') return p.reject(new Error(`${p.what[0]}: command not found`));
    if (msg.failure === 'timeout') return p.reject(new Error(`${p.what.join(' ')}: timed out after ${p.timeoutMs} ms`));
    p.reject(new Error(`${p.what.join(' ')} in node ${this.node.name}: ${msg.failure}`));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    // End of input ends the agent once its running commands have answered.
    this.child.stdin?.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(kill);
  }
}

/** The node, with `exec` through its agent. */
export function withAgent(node: NodeHandle, agent: NodeAgent): NodeHandle {
  return {
    name: node.name,
    kind: node.kind,
    workDir: node.workDir,
    exec: (argv, opts) => agent.exec(argv, opts),
    readFile: (path) => agent.readFile(path),
    killDescendants: (pid) => agent.killDescendants(pid),
    spawn: (argv) => node.spawn(argv),
    writeFile: (path, content, mode) => node.writeFile(path, content, mode),
    address: (segment, family) => node.address(segment, family),
  };
}
