/**
 * Real FTP client programs (curl, lftp) in the FtpClient role: each job runs the program once
 * inside the client node, its verbose output is read live into a ClientSession (phases,
 * transcript, the data endpoint the moment it is printed, the first failure), and the run is
 * stopped at once when the session fails, the harness aborts it or the safety timeout passes.
 *
 * Files: a download lands in, and an upload is made from, the node's work directory, which is
 * on the host's file system at the same path (NodeHandle.workDir): the harness writes the
 * upload and hashes the download without another process in the node.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeHandle } from '../drivers/driver.ts';
import type { ClientName, Family, Mode } from '../model.ts';
import { ClientSession, type ClientEvent } from './client-session.ts';
import type { Endpoint, FtpClient } from './ftp-client.ts';
import { NodeProcess } from './node-process.ts';
import type { ProbeFailure, ProbeJob, ProbeReport } from './probe-protocol.ts';

/** The local side of one job's transfer, inside the node's work directory. */
export interface JobFiles {
  /** RETR: where the client writes the download. */
  download: string;
  /** STOR: the random file the client uploads. */
  upload: string;
}

/** One job's stop switch: the harness may pull it before the program has even started. */
class StopSwitch {
  private isPulled = false;
  private onPull: (() => void) | undefined;

  get pulled(): boolean {
    return this.isPulled;
  }

  pull(): void {
    this.isPulled = true;
    this.onPull?.();
  }

  /** What pulling does once the program runs. */
  wire(stop: () => void): void {
    this.onPull = stop;
  }
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export abstract class SpawnedFtpClient implements FtpClient {
  abstract readonly kind: ClientName;
  private nextId = 1;
  private readonly runs = new Map<number, { stop: StopSwitch; report: Promise<ProbeReport> }>();

  protected constructor(
    readonly node: NodeHandle,
    /** Where this client's job files live: inside the node's work directory. */
    private readonly filesDir: string,
  ) {}

  /**
   * Checks that the program answers in the node (so a node image without it fails at start,
   * with its name) and makes the directory for job files.
   */
  protected static async prepare(node: NodeHandle, program: string, kind: ClientName): Promise<string> {
    const version = await node.exec([program, '--version']).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
    if (version.code !== 0) throw new Error(`node ${node.name}: ${program} does not run (${version.stderr.trim() || `exit ${version.code}`}); it is needed for clientKind ${kind}`);
    const dir = join(node.workDir, `ftp-client-${kind}`);
    const made = await node.exec(['mkdir', '-p', dir]);
    if (made.code !== 0) throw new Error(`node ${node.name}: mkdir ${dir}: ${made.stderr.trim()}`);
    return dir;
  }

  /** The modes this client can pin when the control connection uses this address family. */
  abstract pinnableModes(family: Family): readonly Mode[];
  /** The program's argv for one job (an argv array: values never pass through a shell). */
  protected abstract argv(job: ProbeJob, files: JobFiles): string[];
  /** A fresh reader of the program's verbose output (readers keep a little context per run). */
  protected abstract lineReader(): (line: string) => ClientEvent[];
  /** Why the program exited non-zero, when its output did not already say. */
  protected abstract exitFailure(code: number | null, session: ClientSession): ProbeFailure;

  run(job: Omit<ProbeJob, 'id'>, onEndpoint: (e: Endpoint) => void = () => undefined): { id: number; report: Promise<ProbeReport> } {
    const id = this.nextId++;
    const stop = new StopSwitch();
    const report = this.execute({ ...job, id }, onEndpoint, stop).finally(() => this.runs.delete(id));
    this.runs.set(id, { stop, report });
    return { id, report };
  }

  /** Stops the job; its report still comes back, with `failure.kind = 'aborted'` and the phases so far. */
  abort(id: number): void {
    this.runs.get(id)?.stop.pull();
  }

  private async execute(job: ProbeJob, onEndpoint: (e: Endpoint) => void, stop: StopSwitch): Promise<ProbeReport> {
    const t0 = performance.now();
    const family: Family = job.host.includes(':') ? 'ipv6' : 'ipv4';
    if (!this.pinnableModes(family).includes(job.mode)) {
      throw new Error(`${this.kind} cannot pin ${job.mode} on ${family} (it can pin ${this.pinnableModes(family).join(', ')})`);
    }
    if (job.announce || job.neighbourIn) throw new Error(`${this.kind} runs plain transfers only; security probes need the pinned probe`);
    if ((job.tls ?? 'none') !== 'none') throw new Error(`${this.kind}: FTPS (${job.tls}) is not supported yet`);

    const session = new ClientSession(job, this.kind, onEndpoint);
    const files: JobFiles = { download: join(this.filesDir, `job-${job.id}.download`), upload: join(this.filesDir, `job-${job.id}.upload`) };
    try {
      const upload = job.command === 'STOR' ? await this.writeUpload(files.upload, job.uploadBytes ?? 65536) : undefined;
      const exit = await this.runProgram(job, files, session, stop);
      if (!session.failure && exit.code !== 0) session.fail(this.exitFailure(exit.code, session));
      if (!session.failure && !session.transferred) {
        session.fail({ phase: session.phase, kind: 'error', detail: `${this.kind} exited 0, yet its output shows no completed transfer` });
      }
      const result = session.failure ? {} : await this.checkIntegrity(job, files, exit.stdout, upload, session);
      const endpoint = session.dataEndpoint ? { dataEndpoint: session.dataEndpoint } : {};
      return { id: job.id, phases: session.phases, transcript: session.transcript, failure: session.failure, ...endpoint, ...result, durationMs: Math.round(performance.now() - t0) };
    } finally {
      await Promise.all([rm(files.download, { force: true }), rm(files.upload, { force: true })]);
    }
  }

  /** The harness creates the upload, so its sha256 is known before the client reads a byte. */
  private async writeUpload(path: string, bytes: number): Promise<{ sha256: string; bytes: number }> {
    const payload = randomBytes(bytes);
    await this.node.writeFile(path, payload);
    return { sha256: sha256(payload), bytes };
  }

  /** Runs the program once; returns when it has exited, however that came about. */
  private async runProgram(job: ProbeJob, files: JobFiles, session: ClientSession, stop: StopSwitch): Promise<{ code: number | null; stdout: string }> {
    if (stop.pulled) {
      session.fail({ phase: session.phase, kind: 'aborted', detail: 'aborted by the harness before the client started' });
      return { code: null, stdout: '' };
    }
    const read = this.lineReader();
    // The first failure ends the run at once: what the client does after it (a fallback to
    // another mode, retries) is not evidence about the pinned mode.
    const proc = NodeProcess.start(this.node, this.argv(job, files), (line) => {
      for (const event of read(line)) session.feed(event);
      if (session.failure) void proc.stop();
    });
    const stopWith = (f: ProbeFailure) => {
      session.fail(f);
      void proc.stop();
    };
    stop.wire(() => stopWith({ phase: session.phase, kind: 'aborted', detail: 'aborted by the harness' }));
    const timer = setTimeout(() => stopWith({ phase: session.phase, kind: 'timeout', detail: `no result within ${job.timeoutMs} ms` }), job.timeoutMs);
    try {
      const { code } = await proc.exited;
      return { code, stdout: proc.stdout };
    } finally {
      clearTimeout(timer);
    }
  }

  private async checkIntegrity(
    job: ProbeJob,
    files: JobFiles,
    stdout: string,
    upload: { sha256: string; bytes: number } | undefined,
    session: ClientSession,
  ): Promise<Pick<ProbeReport, 'sha256' | 'bytes'>> {
    session.beginIntegrity();
    if (job.command === 'STOR') {
      session.done('sent sha256 recorded for the server-side check');
      return upload ?? {};
    }
    const data = job.command === 'RETR' ? await readFile(files.download).catch(() => Buffer.alloc(0)) : Buffer.from(stdout, 'utf8');
    const result = { sha256: sha256(data), bytes: data.length };
    if (job.command === 'RETR' && job.expect && result.sha256 !== job.expect) {
      session.fail({ phase: 'integrity', kind: 'mismatch', detail: `sha256 ${result.sha256} != expected ${job.expect} (${result.bytes} bytes)` });
    } else if (job.command === 'LIST' && job.expect && !stdout.includes(job.expect)) {
      session.fail({ phase: 'integrity', kind: 'mismatch', detail: `listing does not name ${job.expect}` });
    } else {
      session.done(job.command === 'LIST' ? `listing names ${job.expect}` : 'sha256 matches');
    }
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const pending = [...this.runs.values()];
    for (const { stop } of pending) stop.pull();
    await Promise.all(pending.map(({ report }) => report.catch(() => undefined)));
  }
}
