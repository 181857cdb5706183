/**
 * The harness side of the probe agent: starts it inside the client node and hands it jobs.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NodeHandle } from '../drivers/driver.ts';
import { lastWord, NodeStartError } from '../nodes/node-start-error.ts';
import type { Endpoint, FtpClient } from './ftp-client.ts';
import { probeAgentBundle } from './probe-agent-bundle.ts';
import type { AgentRequest, ProbeJob, ProbeProgress, ProbeReport } from './probe-protocol.ts';


export class ProbeAgentClient implements FtpClient {
  readonly kind = 'probe';
  private readonly pending = new Map<
    number,
    { resolve: (r: ProbeReport) => void; reject: (e: Error) => void; onEndpoint: (e: { host: string; port: number }) => void }
  >();
  private nextId = 1;
  private exited: Error | undefined;
  private stderr = '';

  private constructor(
    readonly node: NodeHandle,
    private readonly child: ChildProcess,
  ) {}

  static async start(node: NodeHandle): Promise<ProbeAgentClient> {
    const child = node.spawn(['node', await probeAgentBundle()]);
    const agent = new ProbeAgentClient(node, child);
    child.stderr?.on('data', (d) => (agent.stderr = (agent.stderr + d).slice(-4000)));
    const ready = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as ProbeReport | ProbeProgress | { ready: true };
        if ('ready' in msg) return resolve();
        if ('progress' in msg) return agent.pending.get(msg.id)?.onEndpoint(msg.progress.dataEndpoint);
        agent.pending.get(msg.id)?.resolve(msg);
        agent.pending.delete(msg.id);
      });
      child.once('exit', (code) => {
        agent.exited = new Error(`probe agent in node ${node.name} exited (${code}): ${agent.stderr.trim()}`);
        reject(agent.exited);
        for (const p of agent.pending.values()) p.reject(agent.exited);
        agent.pending.clear();
      });
    });
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      await ready;
    } catch (err) {
      // What the agent said is all there is: the node's files go with the failed lab.
      const said = lastWord(agent.stderr);
      throw new NodeStartError(node.name, 'the probe agent', `${child.signalCode ? `killed by ${child.signalCode}` : `exited ${child.exitCode}`} before it was ready${said ? `: ${said}` : ''}`, `# probe agent in node ${node.name}\n# stderr\n${agent.stderr.trim() || '(empty)'}\n`);
    } finally {
      clearTimeout(timeout);
    }
    return agent;
  }

  /** Runs a job; `abort(id)` (the returned id) cuts it short with the phases recorded so far. */
  run(job: Omit<ProbeJob, 'id'>, onEndpoint: (e: Endpoint) => void = () => undefined): { id: number; report: Promise<ProbeReport> } {
    const id = this.nextId++;
    const report = new Promise<ProbeReport>((resolve, reject) => {
      if (this.exited) return reject(this.exited);
      this.pending.set(id, { resolve, reject, onEndpoint });
    });
    this.send({ type: 'run', job: { ...job, id } });
    return { id, report };
  }

  abort(id: number): void {
    if (this.pending.has(id)) this.send({ type: 'abort', id });
  }

  private send(req: AgentRequest) {
    this.child.stdin?.write(JSON.stringify(req) + '\n');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.stdin?.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await gone;
    clearTimeout(kill);
  }
}
