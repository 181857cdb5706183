/**
 * A long-lived program in a node that takes one JSON object a line on its stdin and answers the
 * same way on its stdout (the node agent, the probe agent). Its life is the same whatever it is
 * asked: started until it says `{"ready":true}`, its requests pending until answered, an exit
 * that fails them all, a stop by end of input. What the lines mean (request ids, answers,
 * progress, abort) stays with the class that speaks its protocol and uses this one.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NodeHandle } from '../drivers/driver.ts';
import { lastWord, NodeStartError } from './node-start-error.ts';

/** Enough of stderr for the program's own reason, bounded for a program that lives for the whole run. */
const STDERR_KEPT_CHARS = 4000;

/** A request awaiting its answer: the program's exit rejects it. */
export interface PendingRequest {
  reject: (e: Error) => void;
}

export interface JsonLinesAgentOptions<Request, Message extends object, Pending extends PendingRequest> {
  /** What it is called in messages: `node agent`, `probe agent`. */
  name: string;
  argv: string[];
  /** Killed (SIGKILL) when it has not said `{"ready":true}` by then. */
  readyTimeoutMs: number;
  /** How long it may finish what it runs after its stdin closes, before SIGKILL. */
  stopGraceMs: number;
  /** Every line but the ready line, parsed; `agent` holds the requests it may answer. */
  onMessage: (message: Message, agent: JsonLinesAgent<Request, Message, Pending>) => void;
  /** The text of the exit's Error; by default `<name> in node <node> exited (<code or signal>): <stderr>`. */
  exitMessage?: (exit: { code: number | null; signal: NodeJS.Signals | null; stderr: string }) => string;
}

export class JsonLinesAgent<Request, Message extends object, Pending extends PendingRequest> implements AsyncDisposable {
  private readonly pending = new Map<number, Pending>();
  private exitError: Error | undefined;
  private stderr = '';

  private constructor(
    readonly node: NodeHandle,
    private readonly child: ChildProcess,
    private readonly options: JsonLinesAgentOptions<Request, Message, Pending>,
  ) {}

  /** Spawns the program in the node and waits for it to be ready; a NodeStartError names what it said if it is not. */
  static async start<Request, Message extends object, Pending extends PendingRequest>(
    node: NodeHandle,
    options: JsonLinesAgentOptions<Request, Message, Pending>,
  ): Promise<JsonLinesAgent<Request, Message, Pending>> {
    const child = node.spawn(options.argv);
    const agent = new JsonLinesAgent(node, child, options);
    child.stderr?.on('data', (d) => (agent.stderr = (agent.stderr + d).slice(-STDERR_KEPT_CHARS)));
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const msg = JSON.parse(line) as Message | ReadyLine;
        if (isReady(msg)) return resolve();
        options.onMessage(msg, agent);
      });
      child.once('exit', (code, signal) => {
        const exited = new Error(agent.exitMessage(code, signal));
        agent.exitError = exited;
        reject(exited);
        for (const p of agent.pending.values()) p.reject(exited);
        agent.pending.clear();
      });
    });
    const timeout = setTimeout(() => child.kill('SIGKILL'), options.readyTimeoutMs);
    try {
      await ready;
    } catch {
      // What the agent said is all there is: the node's files go with the failed lab.
      const said = lastWord(agent.stderr);
      throw new NodeStartError(node.name, `the ${options.name}`, `${child.signalCode ? `killed by ${child.signalCode}` : `exited ${child.exitCode}`} before it was ready${said ? `: ${said}` : ''}`, `# ${options.name} in node ${node.name}\n# stderr\n${agent.stderr.trim() || '(empty)'}\n`);
    } finally {
      clearTimeout(timeout);
    }
    return agent;
  }

  /** Why the program is gone, once it is: every request pending then, or made since, fails with it. */
  get exited(): Error | undefined {
    return this.exitError;
  }

  /** Keeps `request` under `id` until `take(id)`; once the program has exited, rejects it with that exit instead. */
  track(id: number, request: Pending): void {
    if (this.exitError) return request.reject(this.exitError);
    this.pending.set(id, request);
  }

  /** The request under `id` while it still waits. */
  waiting(id: number): Pending | undefined {
    return this.pending.get(id);
  }

  /** The request under `id`, no longer waiting: its answer has come. */
  take(id: number): Pending | undefined {
    const request = this.pending.get(id);
    this.pending.delete(id);
    return request;
  }

  send(request: Request): void {
    this.child.stdin?.write(`${JSON.stringify(request)}\n`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    // End of input ends the agent once its running requests have answered.
    this.child.stdin?.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), this.options.stopGraceMs);
    await gone;
    clearTimeout(kill);
  }

  private exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
    const stderr = this.stderr.trim();
    if (this.options.exitMessage) return this.options.exitMessage({ code, signal, stderr });
    return `${this.options.name} in node ${this.node.name} exited (${code ?? signal})${stderr ? `: ${stderr}` : ''}`;
  }
}

type ReadyLine = { ready: true };

function isReady(msg: object): msg is ReadyLine {
  return 'ready' in msg;
}
