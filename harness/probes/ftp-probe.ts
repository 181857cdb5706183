/**
 * The pinned FTP probe: one transfer in exactly the mode asked for (no fallback, unlike curl,
 * which silently falls back from EPRT to PORT and tries EPSV before PASV), recording every phase.
 * It runs inside the client node and uses nothing but Node.js built-ins.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, Server, type Socket } from 'node:net';
import type { PhaseRecord } from '../model.ts';
import { ReplyReader, formatEprtArgument, formatPortArgument, parse227, parse229, type Reply } from './ftp-replies.ts';
import type { FailureKind, ProbeFailure, ProbeJob, ProbeReport } from './probe-protocol.ts';

class ProbeFailed extends Error {
  constructor(readonly failure: ProbeFailure) {
    super(failure.detail);
  }
}

function kindOf(err: NodeJS.ErrnoException): FailureKind {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'reset';
  return 'error';
}

/** One probe run; `abort()` ends it at once, keeping the phases recorded so far. */
export class FtpProbe {
  private readonly t0 = performance.now();
  private readonly phases: PhaseRecord[] = [];
  private readonly transcript: string[] = [];
  private readonly sockets = new Set<Socket | Server>();
  private phase: PhaseRecord['phase'] = 'control-connect';
  private phaseStart = performance.now();
  private abortReject: ((e: Error) => void) | undefined;
  private readonly aborted: Promise<never>;

  private dataEndpoint: { host: string; port: number } | undefined;

  /** `onEndpoint` hears the data endpoint before any data packet is sent, so drops can be attributed to it. */
  constructor(
    private readonly job: ProbeJob,
    private readonly onEndpoint: (e: { host: string; port: number }) => void = () => undefined,
  ) {
    this.aborted = new Promise<never>((_, reject) => (this.abortReject = reject));
    this.aborted.catch(() => undefined);
  }

  abort(reason = 'aborted by the harness'): void {
    this.abortReject?.(new ProbeFailed({ phase: this.phase, kind: 'aborted', detail: reason }));
  }

  async run(): Promise<ProbeReport> {
    const timer = setTimeout(() => this.abortReject?.(new ProbeFailed({ phase: this.phase, kind: 'timeout', detail: `no progress within ${this.job.timeoutMs} ms` })), this.job.timeoutMs);
    let failure: ProbeFailure | null = null;
    let result: Partial<ProbeReport> = {};
    try {
      result = await Promise.race([quiet(this.exchange()), this.aborted]);
    } catch (err) {
      failure = err instanceof ProbeFailed ? err.failure : { phase: this.phase, kind: 'error', detail: String(err) };
      this.phases.push({ phase: this.phase, ok: false, ms: Math.round(performance.now() - this.phaseStart), detail: failure.detail });
    } finally {
      clearTimeout(timer);
      for (const s of this.sockets) s instanceof Server ? s.close() : s.destroy();
    }
    const endpoint = this.dataEndpoint ? { dataEndpoint: this.dataEndpoint } : {};
    return { id: this.job.id, phases: this.phases, transcript: this.transcript, failure, ...endpoint, ...result, durationMs: Math.round(performance.now() - this.t0) };
  }

  private begin(phase: PhaseRecord['phase']) {
    this.phase = phase;
    this.phaseStart = performance.now();
  }

  private done(detail?: string) {
    this.phases.push({ phase: this.phase, ok: true, ms: Math.round(performance.now() - this.phaseStart), ...(detail ? { detail } : {}) });
  }

  private fail(kind: FailureKind, detail: string, reply?: Reply): never {
    throw new ProbeFailed({ phase: this.phase, kind, detail, ...(reply ? { reply: reply.text, replyCode: reply.code } : {}) });
  }

  private async exchange(): Promise<Partial<ProbeReport>> {
    const job = this.job;
    this.begin('control-connect');
    const control = await this.connectTo(job.host, job.port);
    this.done(`${control.localAddress}:${control.localPort} -> ${job.host}:${job.port}`);
    const replies = this.replyStream(control);

    this.begin('greeting');
    this.expect(await replies.next(), [220]);
    this.done();

    this.begin('login');
    let r = await this.command(control, replies, `USER ${job.user}`);
    if (r.code === 331) r = await this.command(control, replies, `PASS ${job.password}`, 'PASS ****');
    this.expect(r, [230]);
    if (job.command !== 'LIST') this.expect(await this.command(control, replies, 'TYPE I'), [200]);
    this.done();

    this.begin('mode');
    const data = await this.negotiate(control, replies);
    this.dataEndpoint = data.endpoint;
    this.onEndpoint(data.endpoint);
    this.done(`${data.endpoint.host}:${data.endpoint.port}`);

    const verb = job.command === 'LIST' ? `LIST ${job.path}` : `${job.command} ${job.path}`;
    let dataSocket: Socket;
    let preliminary: Promise<Reply>;
    if (data.kind === 'passive') {
      // Connect first, as most clients do: a firewall drop shows up here, before the server is involved.
      this.begin('data-connect');
      dataSocket = await this.connectTo(data.endpoint.host, data.endpoint.port);
      this.done();
      preliminary = quiet(this.command(control, replies, verb));
    } else {
      preliminary = quiet(this.command(control, replies, verb));
      this.begin('data-connect');
      // vsftpd connects before it sends 150; a final reply instead (425) means it could not connect.
      const refused = preliminary.then((rep) => (rep.code >= 200 ? this.fail('reply', `server could not open the data connection: ${rep.text}`, rep) : new Promise<never>(() => undefined)));
      dataSocket = await Promise.race([data.accept, quiet(refused)]);
      this.done(`${dataSocket.remoteAddress}:${dataSocket.remotePort} -> ${dataSocket.localAddress}:${dataSocket.localPort}`);
    }

    this.begin('transfer');
    const hash = createHash('sha256');
    let bytes = 0;
    let listing = '';
    const finished = quiet(new Promise<void>((resolve, reject) => {
      dataSocket.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (job.command === 'LIST') listing += chunk.toString('utf8');
      });
      dataSocket.on('end', () => resolve());
      dataSocket.on('close', () => resolve());
      dataSocket.on('error', (e: NodeJS.ErrnoException) => reject(new ProbeFailed({ phase: 'transfer', kind: kindOf(e), detail: `data connection: ${e.message}` })));
    }));
    const mark = await preliminary;
    this.expect(mark, [125, 150]);
    if (job.command === 'STOR') {
      const payload = randomBytes(job.uploadBytes ?? 65536);
      hash.update(payload);
      bytes = payload.length;
      await new Promise<void>((resolve, reject) => dataSocket.end(payload, () => resolve()).once('error', reject));
    }
    await finished;
    this.expect(await replies.next(), [226, 250]);
    const sha256 = hash.digest('hex');
    this.done(`${bytes} bytes`);

    this.begin('integrity');
    if (job.command === 'RETR' && job.expect && sha256 !== job.expect) this.fail('mismatch', `sha256 ${sha256} != expected ${job.expect}`);
    if (job.command === 'LIST' && job.expect && !listing.includes(job.expect)) this.fail('mismatch', `listing does not name ${job.expect}`);
    this.done(job.command === 'STOR' ? 'sent sha256 recorded for the server-side check' : 'sha256 matches');
    control.write('QUIT\r\n');
    return { sha256, bytes, dataEndpoint: data.endpoint };
  }

  /** Sends the pinned mode command; for active modes first opens the listener it announces. */
  private async negotiate(control: Socket, replies: ReplyStream): Promise<{ kind: 'passive'; endpoint: { host: string; port: number } } | { kind: 'active'; endpoint: { host: string; port: number }; accept: Promise<Socket> }> {
    const mode = this.job.mode;
    // RFC 2428: PORT and PASV carry IPv4 addresses only. Over IPv6, vsftpd 3.0.3 answers PORT
    // with `500 Illegal PORT command.` and PASV with `227 ... (0,0,0,0,p1,p2)`: no transfer a
    // real client would make, so the probe refuses to pretend.
    if ((mode === 'PORT' || mode === 'PASV') && control.remoteFamily === 'IPv6') {
      this.fail('protocol', `${mode} carries IPv4 addresses only (RFC 2428); over IPv6 use ${mode === 'PORT' ? 'EPRT' : 'EPSV'}`);
    }
    if (mode === 'PASV' || mode === 'EPSV') {
      const r = await this.command(control, replies, mode);
      this.expect(r, [mode === 'PASV' ? 227 : 229]);
      try {
        // EPSV names only a port: the data connection goes to the control connection's peer (RFC 2428).
        const endpoint = mode === 'PASV' ? parse227(r.text) : { host: control.remoteAddress ?? this.job.host, port: parse229(r.text) };
        const range = this.job.neighbourIn;
        if (range) endpoint.port = endpoint.port < range.max ? endpoint.port + 1 : endpoint.port - 1;
        return { kind: 'passive', endpoint };
      } catch (e) {
        return this.fail('protocol', String((e as Error).message), r);
      }
    }
    if (this.job.announce) {
      // A bounce: name somebody else's address; nothing of ours will ever be dialled.
      const { host, port } = this.job.announce;
      const arg = mode === 'PORT' ? formatPortArgument(host, port) : formatEprtArgument(host, port);
      this.expect(await this.command(control, replies, `${mode} ${arg}`), [200]);
      return { kind: 'active', endpoint: { host, port }, accept: new Promise<Socket>(() => undefined) };
    }
    // Active: announce the address the control connection leaves from, as real clients do.
    const host = control.localAddress ?? '';
    const listener = createServer();
    this.sockets.add(listener);
    const accept = new Promise<Socket>((resolve) =>
      listener.once('connection', (s) => {
        this.sockets.add(s);
        resolve(s);
      }),
    );
    await new Promise<void>((resolve, reject) => listener.listen(0, host, resolve).once('error', reject));
    const port = (listener.address() as { port: number }).port;
    const arg = mode === 'PORT' ? formatPortArgument(host, port) : formatEprtArgument(host, port);
    this.expect(await this.command(control, replies, `${mode} ${arg}`), [200]);
    return { kind: 'active', endpoint: { host, port }, accept };
  }

  private expect(r: Reply, codes: number[]): void {
    if (!codes.includes(r.code)) this.fail('reply', `expected ${codes.join('/')}, got ${r.text.split('\n').pop()}`, r);
  }

  private async command(control: Socket, replies: ReplyStream, line: string, shown = line): Promise<Reply> {
    this.transcript.push(`> ${shown}`);
    control.write(`${line}\r\n`);
    return replies.next();
  }

  private connectTo(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      this.sockets.add(s);
      s.once('connect', () => resolve(s));
      s.once('error', (e: NodeJS.ErrnoException) => reject(new ProbeFailed({ phase: this.phase, kind: kindOf(e), detail: `${host}:${port}: ${e.code ?? e.message}` })));
    });
  }

  private replyStream(control: Socket): ReplyStream {
    const reader = new ReplyReader();
    const queue: Reply[] = [];
    const waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
    let closed: Error | undefined;
    control.setEncoding('utf8');
    control.on('data', (chunk: string) => {
      for (const reply of reader.push(chunk)) {
        this.transcript.push(...reply.text.split('\n').map((l) => `< ${l}`));
        const w = waiters.shift();
        w ? w.resolve(reply) : queue.push(reply);
      }
    });
    const onClose = (e?: NodeJS.ErrnoException) => {
      closed = new ProbeFailed({ phase: this.phase, kind: e ? kindOf(e) : 'reset', detail: `control connection closed${e ? `: ${e.code ?? e.message}` : ''}` });
      for (const w of waiters.splice(0)) w.reject(closed);
    };
    control.on('error', onClose);
    control.on('close', () => onClose());
    return {
      next: () => {
        const r = queue.shift();
        if (r) return Promise.resolve(r);
        if (closed) return Promise.reject(closed);
        return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
      },
    };
  }
}

/** Marks a promise as handled, so a rejection nobody awaits any more (after an abort) cannot crash the agent. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

interface ReplyStream {
  next(): Promise<Reply>;
}
