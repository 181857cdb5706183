/**
 * The harness side of the probe agent: starts it inside the client node and hands it jobs.
 */
import type { NodeHandle } from '../drivers/driver.ts';
import { JsonLinesAgent } from '../nodes/json-lines-agent.ts';
import type { Endpoint, FtpClient } from './ftp-client.ts';
import { probeAgentBundle } from './probe-agent-bundle.ts';
import type { AgentRequest, ProbeJob, ProbeProgress, ProbeReport } from './probe-protocol.ts';

interface PendingJob {
  resolve: (r: ProbeReport) => void;
  reject: (e: Error) => void;
  onEndpoint: (e: { host: string; port: number }) => void;
}

export class ProbeAgentClient implements FtpClient {
  readonly kind = 'probe';
  private nextId = 1;

  private constructor(
    readonly node: NodeHandle,
    private readonly lines: JsonLinesAgent<AgentRequest, ProbeReport | ProbeProgress, PendingJob>,
  ) {}

  static async start(node: NodeHandle): Promise<ProbeAgentClient> {
    const lines = await JsonLinesAgent.start<AgentRequest, ProbeReport | ProbeProgress, PendingJob>(node, {
      name: 'probe agent',
      argv: ['node', await probeAgentBundle()],
      readyTimeoutMs: 15_000,
      stopGraceMs: 1000,
      onMessage: (msg, agent) => {
        if ('progress' in msg) return agent.waiting(msg.id)?.onEndpoint(msg.progress.dataEndpoint);
        agent.take(msg.id)?.resolve(msg);
      },
      exitMessage: ({ code, stderr }) => `probe agent in node ${node.name} exited (${code}): ${stderr}`,
    });
    return new ProbeAgentClient(node, lines);
  }

  /** Runs a job; `abort(id)` (the returned id) cuts it short with the phases recorded so far. */
  run(job: Omit<ProbeJob, 'id'>, onEndpoint: (e: Endpoint) => void = () => undefined): { id: number; report: Promise<ProbeReport> } {
    const id = this.nextId++;
    const report = new Promise<ProbeReport>((resolve, reject) => this.lines.track(id, { resolve, reject, onEndpoint }));
    this.lines.send({ type: 'run', job: { ...job, id } });
    return { id, report };
  }

  abort(id: number): void {
    if (this.lines.waiting(id)) this.lines.send({ type: 'abort', id });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.lines[Symbol.asyncDispose]();
  }
}
