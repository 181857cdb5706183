/**
 * The harness side of the node agent (node-agent.mjs): a long-lived process inside a node that
 * runs the lab's per-cell commands there, so a cell's conntrack flush, rule-set apply, state
 * read and upload hash cost a line on a pipe instead of a fork of the test worker (and nsenter,
 * or a Docker Engine API call). `withAgent` gives a NodeHandle whose `exec` goes through it;
 * everything else (spawn, files, addresses) is the node's own.
 */
import { fileURLToPath } from 'node:url';
import type { NodeHandle } from '../drivers/driver.ts';
import { throwIfStopping, type ExecOptions, type ExecResult } from '../exec.ts';
import { JsonLinesAgent } from './json-lines-agent.ts';

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
  private nextId = 1;

  private constructor(
    readonly node: NodeHandle,
    private readonly lines: JsonLinesAgent<{ id: number }, Answer, Pending>,
  ) {}

  static async start(node: NodeHandle): Promise<NodeAgent> {
    const lines = await JsonLinesAgent.start<{ id: number }, Answer, Pending>(node, {
      name: 'node agent',
      // The work directory holds the launcher's output files (node-agent.mjs), removed with the node.
      argv: ['node', AGENT, node.workDir],
      readyTimeoutMs: READY_TIMEOUT_MS,
      stopGraceMs: 2000,
      onMessage: (answer, agent) => settle(node, agent.take(answer.id), answer),
    });
    return new NodeAgent(node, lines);
  }

  /** Runs argv inside the node, with exec.ts's run() semantics: a non-zero exit is returned, not thrown. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const [file] = argv;
    if (!file) throw new Error('exec: empty argv');
    throwIfStopping(file);
    // An agent that is gone (its node is being torn down) leaves the node's own exec.
    if (this.lines.exited) return this.node.exec(argv, opts);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const input = opts.input === undefined ? {} : Buffer.isBuffer(opts.input) ? { input: opts.input.toString('base64'), inputBase64: true } : { input: opts.input };
    const a = await this.request({ argv, timeoutMs, ...input }, argv, timeoutMs);
    if ('code' in a) return { code: a.code, stdout: a.stdout, stderr: a.stderr };
    throw new Error(`${argv.join(' ')}: the node agent answered ${JSON.stringify(a)}`);
  }

  /** A file as the node's programs see it (its /proc/net is the node's own), read without a program start. */
  async readFile(path: string): Promise<string> {
    if (this.lines.exited) return this.node.readFile(path);
    const a = await this.request({ read: path }, ['read', path], DEFAULT_TIMEOUT_MS);
    if ('content' in a) return a.content;
    throw new Error(`read ${path}: the node agent answered ${JSON.stringify(a)}`);
  }

  /** Kills every descendant of `pid` inside the node, deepest first, without a program start. */
  async killDescendants(pid: number): Promise<void> {
    if (this.lines.exited) return this.node.killDescendants(pid);
    await this.request({ killDescendants: pid }, ['kill descendants of', String(pid)], DEFAULT_TIMEOUT_MS);
  }

  /** Sends one empty UDP datagram from inside the node, without a program start (the drop observer's fence). */
  async sendDatagram(host: string, port: number): Promise<void> {
    await this.request({ datagram: { host, port } }, ['datagram to', `${host}:${port}`], DEFAULT_TIMEOUT_MS);
  }

  private request(body: object, what: readonly string[], timeoutMs: number): Promise<Answer> {
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.lines.track(id, { what, timeoutMs, resolve, reject });
      this.lines.send({ id, ...body });
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.lines[Symbol.asyncDispose]();
  }
}

/** Settles `p`, the request `msg` answers (none when nothing waits under its id), as the agent said. */
function settle(node: NodeHandle, p: Pending | undefined, msg: Answer): void {
  if (!p) return;
  if (!('failure' in msg)) return p.resolve(msg);
  if (msg.failure === 'ENOENT') return p.reject(new Error(`${p.what[0]}: command not found`));
  if (msg.failure === 'timeout') return p.reject(new Error(`${p.what.join(' ')}: timed out after ${p.timeoutMs} ms`));
  p.reject(new Error(`${p.what.join(' ')} in node ${node.name}: ${msg.failure}`));
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
