/**
 * The pinned FTP probe: one transfer in exactly the mode asked for (no fallback, unlike curl,
 * which silently falls back from EPRT to PORT and tries EPSV before PASV), recording every phase.
 * It runs inside the client node and uses nothing but Node.js built-ins.
 *
 * Over 300 lines on purpose: one FTP exchange as a state machine, phase after phase, read top to
 * bottom in the order the wire sees it; it is bundled alone into the client node.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { PhaseRecord } from '../cell-contract.ts';
import { ReplyStream, SocketTap, startTls } from './control-channel.ts';
import { formatEprtArgument, formatPortArgument, parse227, parse229, type Endpoint, type Reply } from './ftp-replies.ts';
import type { FailureKind, ProbeFailure, ProbeJob, ProbeReport, TransferSpec } from './probe-protocol.ts';

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

  private dataEndpoint: Endpoint | undefined;
  private socket: Socket | undefined;
  /** What the control channel is written to: the socket, or TLS over it. */
  private control: Duplex | undefined;
  private tap: SocketTap | undefined;
  private tlsControl: TLSSocket | undefined;
  private tlsSession: Buffer | undefined;
  private transfersDone = 0;

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
      this.tap?.destroy();
    }
    const endpoint = this.dataEndpoint ? { dataEndpoint: this.dataEndpoint } : {};
    return { id: this.job.id, phases: this.phases, transcript: this.transcript, failure, transfersDone: this.transfersDone, ...endpoint, ...result, durationMs: Math.round(performance.now() - this.t0) };
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
    if (job.slipstream) return job.slipstream.carrier === 'irc' ? this.dccSlipstream(job.slipstream.port) : this.slipstream(job.slipstream.port);
    this.begin('control-connect');
    const socket = await this.connectTo(job.host, job.port);
    this.socket = socket;
    this.control = socket;
    this.done(`${socket.localAddress}:${socket.localPort} -> ${job.host}:${job.port}`);
    const replies = new ReplyStream(
      socket,
      (reply) => this.transcript.push(...reply.text.split('\n').map((l) => `< ${l}`)),
      (e) => new ProbeFailed({ phase: this.phase, kind: e ? kindOf(e) : 'reset', detail: `control connection closed${e ? `: ${e.code ?? e.message}` : ''}` }),
    );
    const tls = job.tls ?? 'none';

    if (tls === 'implicit') {
      this.begin('tls');
      await this.secureControl(socket, replies);
      this.done('implicit TLS');
    }
    this.begin('greeting');
    this.expect(await replies.next(), [220]);
    this.done();
    if (tls === 'explicit' || tls === 'ccc') {
      this.begin('tls');
      this.expect(await this.command(replies, 'AUTH TLS'), [234]);
      await this.secureControl(socket, replies);
      this.done('AUTH TLS');
    }

    this.begin('login');
    let r = await this.command(replies, `USER ${job.user}`);
    if (r.code === 331) r = await this.command(replies, `PASS ${job.password}`, 'PASS ****');
    this.expect(r, [230]);
    if (tls !== 'none') {
      // Data connections are protected too (PROT P); CCC below clears only the control channel.
      this.expect(await this.command(replies, 'PBSZ 0'), [200]);
      this.expect(await this.command(replies, 'PROT P'), [200]);
    }
    const transfers: TransferSpec[] = [{ command: job.command, path: job.path, ...pick(job) }, ...(job.then ?? [])];
    if (transfers.some((t) => t.command !== 'LIST')) this.expect(await this.command(replies, 'TYPE I'), [200]);
    this.done();
    if (tls === 'ccc') {
      this.begin('tls');
      this.expect(await this.command(replies, 'CCC'), [200]);
      await this.clearControl(socket, replies);
      this.done('CCC: control channel back in clear text');
      // A command in clear text before the mode command: the conntrack helper only parses lines
      // that start where its last seen line ended, and the first clear-text line starts after TLS.
      this.expect(await this.command(replies, 'NOOP'), [200]);
    }

    const uploads: Array<{ path: string; sha256: string }> = [];
    let last: { sha256: string; bytes: number; dataEndpoint: Endpoint } | undefined;
    for (const [i, t] of transfers.entries()) {
      last = await this.transfer(replies, t, tls !== 'none');
      if (t.command === 'STOR') uploads.push({ path: t.path, sha256: last.sha256 });
      this.transfersDone = i + 1;
    }
    this.write('QUIT');
    return { ...last, uploads, transfersDone: transfers.length };
  }

  /**
   * NAT slipstreaming: a web request, then a PORT/EPRT line naming our own listener as the first
   * bytes of a new segment (the helper only parses lines that start where a segment starts after
   * a newline). `pass` is the attacker's connection arriving through the firewall.
   */
  private async slipstream(webPort: number): Promise<Partial<ProbeReport>> {
    this.begin('control-connect');
    const web = await this.connectTo(this.job.host, webPort);
    web.setNoDelay(true);
    this.socket = web;
    this.control = web;
    this.done(`${web.localAddress}:${web.localPort} -> ${this.job.host}:${webPort} (a web connection, not FTP)`);

    this.begin('greeting');
    const answered = new Promise<void>((resolve, reject) => {
      let text = '';
      web.setEncoding('utf8');
      web.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\r\n\r\n')) resolve();
      });
      web.once('close', () => reject(new ProbeFailed({ phase: 'greeting', kind: 'reset', detail: 'the web server closed the connection' })));
    });
    this.transcript.push(`> GET / HTTP/1.1`);
    web.write(`GET / HTTP/1.1\r\nHost: ${this.job.host}\r\n\r\n`);
    await answered;
    this.transcript.push('< HTTP/1.1 200 OK');
    this.done();

    this.begin('mode');
    const { endpoint, accept } = await this.listenForData();
    const mode = this.job.mode;
    const arg = mode === 'PORT' ? formatPortArgument(endpoint.host, endpoint.port) : formatEprtArgument(endpoint.host, endpoint.port);
    this.dataEndpoint = endpoint;
    this.onEndpoint(endpoint);
    this.write(`${mode} ${arg}`);
    this.done(`${mode} line sent inside the web connection`);

    this.begin('data-connect');
    const incoming = await accept;
    this.done(`${incoming.remoteAddress}:${incoming.remotePort} -> ${incoming.localAddress}:${incoming.localPort}`);
    return { dataEndpoint: endpoint };
  }

  /**
   * The same through the IRC helper: an IRC connection whose first line is a DCC SEND request
   * naming our own listener (its address as one 32-bit number, as IRC clients write it). The IRC
   * helper (nf_conntrack_irc) expects a connection from anywhere to that address and port.
   */
  private async dccSlipstream(ircPort: number): Promise<Partial<ProbeReport>> {
    this.begin('control-connect');
    const irc = await this.connectTo(this.job.host, ircPort);
    irc.setNoDelay(true);
    this.socket = irc;
    this.control = irc;
    this.done(`${irc.localAddress}:${irc.localPort} -> ${this.job.host}:${ircPort} (an IRC connection, not FTP)`);

    this.begin('mode');
    const { endpoint, accept } = await this.listenForData();
    const number = endpoint.host.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    this.dataEndpoint = endpoint;
    this.onEndpoint(endpoint);
    this.write(`PRIVMSG victim :\x01DCC SEND pinhole ${number} ${endpoint.port} 1\x01`);
    this.done('DCC SEND line sent inside the IRC connection');

    this.begin('data-connect');
    const incoming = await accept;
    this.done(`${incoming.remoteAddress}:${incoming.remotePort} -> ${incoming.localAddress}:${incoming.localPort}`);
    return { dataEndpoint: endpoint };
  }

  /** Puts TLS on the control connection (over a tap, so CCC can take it off again). */
  private async secureControl(socket: Socket, replies: ReplyStream): Promise<void> {
    const ca = this.job.tlsCa;
    if (!ca) this.fail('error', 'a TLS cell needs the server certificate (tlsCa)');
    replies.pause();
    const tap = new SocketTap(socket);
    const tls = await startTls(tap, { ca }).catch((e: Error) => this.fail('protocol', `TLS handshake: ${e.message}`));
    tls.on('session', (session: Buffer) => (this.tlsSession = session));
    this.sockets.add(tls);
    this.tap = tap;
    this.tlsControl = tls;
    this.control = tls;
    replies.carry(tls);
  }

  /** CCC: both close_notify alerts, then the same TCP connection in clear text (RFC 4217 §12.3). */
  private async clearControl(socket: Socket, replies: ReplyStream): Promise<void> {
    const tls = this.tlsControl;
    if (!tls || !this.tap) this.fail('error', 'CCC without TLS');
    replies.pause();
    // The TLS layer is done once the peer's close_notify came ('end') or ours went out and the
    // layer closed: proftpd shuts its side down before it answers 200, so no alert follows ours.
    const peerClosed = new Promise<void>((resolve) => {
      tls.once('end', () => resolve());
      tls.once('close', () => resolve());
    });
    tls.resume();
    tls.end();
    await Promise.race([peerClosed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    this.tap.detach();
    this.control = socket;
    replies.carry(socket);
  }

  /** One transfer over a new data connection in the pinned mode. */
  private async transfer(replies: ReplyStream, t: TransferSpec, protect: boolean): Promise<{ sha256: string; bytes: number; dataEndpoint: Endpoint }> {
    this.begin('mode');
    const data = await this.negotiate(replies);
    this.dataEndpoint = data.endpoint;
    this.onEndpoint(data.endpoint);
    this.done(`${data.endpoint.host}:${data.endpoint.port}`);

    const verb = `${t.command} ${t.path}`;
    let dataSocket: Socket;
    let preliminary: Promise<Reply>;
    if (data.kind === 'passive') {
      // Connect first, as most clients do: a firewall drop shows up here, before the server is involved.
      this.begin('data-connect');
      dataSocket = await this.connectTo(data.endpoint.host, data.endpoint.port);
      this.done();
      preliminary = quiet(this.command(replies, verb));
    } else {
      preliminary = quiet(this.command(replies, verb));
      this.begin('data-connect');
      // vsftpd connects before it sends 150; a final reply instead (425) means it could not connect.
      const refused = preliminary.then((rep) => (rep.code >= 200 ? this.fail('reply', `server could not open the data connection: ${rep.text}`, rep) : new Promise<never>(() => undefined)));
      dataSocket = await Promise.race([data.accept, quiet(refused)]);
      this.done(`${dataSocket.remoteAddress}:${dataSocket.remotePort} -> ${dataSocket.localAddress}:${dataSocket.localPort}`);
    }

    this.begin('transfer');
    // With PROT P the FTP client is always the TLS client, whichever side dialled (RFC 4217 §9);
    // the handshake runs while the server answers the command, as it only then takes the connection.
    const stream: Duplex = protect
      ? await startTls(dataSocket, { ca: this.job.tlsCa ?? '', session: this.tlsSession }).catch((e: Error) => this.fail('protocol', `data TLS handshake: ${e.message}`))
      : dataSocket;
    if (stream !== dataSocket) this.sockets.add(stream as Socket);
    const hash = createHash('sha256');
    let bytes = 0;
    let listing = '';
    const finished = quiet(new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (t.command === 'LIST') listing += chunk.toString('utf8');
      });
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', (e: NodeJS.ErrnoException) => reject(new ProbeFailed({ phase: 'transfer', kind: kindOf(e), detail: `data connection: ${e.message}` })));
    }));
    const mark = await preliminary;
    this.expect(mark, [125, 150]);
    if (t.command === 'STOR') {
      const payload = randomBytes(t.uploadBytes ?? 65536);
      hash.update(payload);
      bytes = payload.length;
      await new Promise<void>((resolve, reject) => stream.end(payload, () => resolve()).once('error', reject));
    }
    await finished;
    this.expect(await replies.next(), [226, 250]);
    const sha256 = hash.digest('hex');
    this.done(`${bytes} bytes`);

    this.begin('integrity');
    if (t.command === 'RETR' && t.expect && sha256 !== t.expect) this.fail('mismatch', `sha256 ${sha256} != expected ${t.expect}`);
    if (t.command === 'LIST' && t.expect && !listing.includes(t.expect)) this.fail('mismatch', `listing does not name ${t.expect}`);
    this.done(t.command === 'STOR' ? 'sent sha256 recorded for the server-side check' : 'sha256 matches');
    return { sha256, bytes, dataEndpoint: data.endpoint };
  }

  /** Sends the pinned mode command; for active modes first opens the listener it announces. */
  private async negotiate(replies: ReplyStream): Promise<{ kind: 'passive'; endpoint: { host: string; port: number } } | { kind: 'active'; endpoint: { host: string; port: number }; accept: Promise<Socket> }> {
    const mode = this.job.mode;
    // RFC 2428: PORT and PASV carry IPv4 addresses only. Over IPv6, vsftpd 3.0.3 answers PORT
    // with `500 Illegal PORT command.` and PASV with `227 ... (0,0,0,0,p1,p2)`: no transfer a
    // real client would make, so the probe refuses to pretend.
    if ((mode === 'PORT' || mode === 'PASV') && this.controlSocket().remoteFamily === 'IPv6') {
      this.fail('protocol', `${mode} carries IPv4 addresses only (RFC 2428); over IPv6 use ${mode === 'PORT' ? 'EPRT' : 'EPSV'}`);
    }
    if (mode === 'PASV' || mode === 'EPSV') {
      const r = await this.command(replies, mode);
      this.expect(r, [mode === 'PASV' ? 227 : 229]);
      try {
        // EPSV names only a port: the data connection goes to the control connection's peer (RFC 2428).
        const endpoint = mode === 'PASV' ? parse227(r.text) : { host: this.controlSocket().remoteAddress ?? this.job.host, port: parse229(r.text) };
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
      this.expect(await this.command(replies, `${mode} ${arg}`), [200]);
      return { kind: 'active', endpoint: { host, port }, accept: new Promise<Socket>(() => undefined) };
    }
    const { endpoint, accept } = await this.listenForData();
    const arg = mode === 'PORT' ? formatPortArgument(endpoint.host, endpoint.port) : formatEprtArgument(endpoint.host, endpoint.port);
    // Known before the server answers: a refused PORT is diagnosed by the address it named.
    this.dataEndpoint = endpoint;
    this.expect(await this.command(replies, `${mode} ${arg}`), [200]);
    return { kind: 'active', endpoint, accept };
  }

  /** Active: listen on the address the control connection leaves from, as real clients do. */
  private async listenForData(): Promise<{ endpoint: Endpoint; accept: Promise<Socket> }> {
    const host = this.controlSocket().localAddress ?? '';
    const listener = createServer();
    this.sockets.add(listener);
    const accept = new Promise<Socket>((resolve) =>
      listener.once('connection', (s) => {
        this.sockets.add(s);
        resolve(s);
      }),
    );
    await new Promise<void>((resolve, reject) => listener.listen(0, host, resolve).once('error', reject));
    return { endpoint: { host, port: (listener.address() as { port: number }).port }, accept };
  }

  private expect(r: Reply, codes: number[]): void {
    if (!codes.includes(r.code)) this.fail('reply', `expected ${codes.join('/')}, got ${r.text.split('\n').pop()}`, r);
  }

  private async command(replies: ReplyStream, line: string, shown = line): Promise<Reply> {
    this.write(line, shown);
    return replies.next();
  }

  private write(line: string, shown = line): void {
    this.transcript.push(`> ${shown}`);
    this.control?.write(`${line}\r\n`);
  }

  /** The TCP connection under the control channel (TLS or not): its addresses name the endpoints. */
  private controlSocket(): Socket {
    if (!this.socket) this.fail('error', 'no control connection');
    return this.socket;
  }

  private connectTo(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      this.sockets.add(s);
      s.once('connect', () => resolve(s));
      s.once('error', (e: NodeJS.ErrnoException) => reject(new ProbeFailed({ phase: this.phase, kind: kindOf(e), detail: `${host}:${port}: ${e.code ?? e.message}` })));
    });
  }

}

/** Marks a promise as handled, so a rejection nobody awaits any more (after an abort) cannot crash the agent. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** The single-transfer fields of a job (its first transfer). */
function pick(job: ProbeJob): Omit<TransferSpec, 'command' | 'path'> {
  return {
    ...(job.expect !== undefined ? { expect: job.expect } : {}),
    ...(job.uploadBytes !== undefined ? { uploadBytes: job.uploadBytes } : {}),
  };
}
