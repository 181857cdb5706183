/**
 * What a real FTP client's verbose output says happened, recorded the way the pinned probe
 * records it: phases, the control transcript, the data endpoint (announced the moment it is
 * known) and the first failure. curl and lftp print the same facts in different words; their
 * line readers (curl-output.ts, lftp-output.ts) turn lines into the events below, and this one
 * state machine turns events into a report, so both clients are held to the same rules.
 *
 * Pinning: a real client may leave the mode it was asked for (curl: EPRT -> PORT and EPSV ->
 * PASV; lftp: EPSV -> PASV, or PASV from the start when FEAT does not list EPSV). Any mode
 * command other than the pinned one, or an error reply to the pinned one, fails the session at
 * once: a transfer in another mode is not evidence about the mode under test.
 */
import type { Mode } from '../model.ts';
import type { PhaseRecord } from '../cell-contract.ts';
import type { Endpoint } from './ftp-client.ts';
import { ReplyReader, parse227, parse229, parseEprtArgument, parsePortArgument, type Reply } from './ftp-replies.ts';
import type { FailureKind, ProbeFailure, ProbeJob } from './probe-protocol.ts';

type Phase = PhaseRecord['phase'];

export type ClientEvent =
  /** The control connection is up (curl says so; lftp's first reply implies it). */
  | { type: 'control-connected'; peer: Endpoint }
  /** A control command the client sent, as it printed it. */
  | { type: 'sent'; line: string }
  /** One control line the client received (multi-line replies arrive line by line). */
  | { type: 'received'; line: string }
  /** The client is about to dial the data connection (passive modes), at this address. */
  | { type: 'data-connecting'; to: Endpoint }
  /** The data connection is up: dialled (passive) or accepted (active). */
  | { type: 'data-connected'; detail: string }
  /** A connection (control or data) could not be made, or stalled. */
  | { type: 'connection-failed'; kind: FailureKind; detail: string }
  /** The client announced that it leaves the mode it was in. */
  | { type: 'fallback'; detail: string }
  /** Anything else worth keeping in the transcript (the client's final error message). */
  | { type: 'note'; text: string };

const MODE_COMMANDS: ReadonlySet<string> = new Set<Mode>(['PORT', 'EPRT', 'PASV', 'EPSV']);
const TRANSFER_COMMANDS = new Set(['RETR', 'STOR', 'LIST', 'NLST', 'MLSD']);
/** Stands for the greeting in the queue of commands awaiting a reply: it answers no command. */
const GREETING = '(greeting)';

const isPassive = (mode: Mode) => mode === 'PASV' || mode === 'EPSV';

/** The failure kind behind a connect error as clients print it (`Connection refused`, `Connection timed out`). */
export function connectionFailureKind(reason: string): FailureKind {
  if (/refused/i.test(reason)) return 'refused';
  if (/timed? ?out/i.test(reason)) return 'timeout';
  if (/reset/i.test(reason)) return 'reset';
  return 'error';
}
const lastLine = (text: string) => text.split('\n').pop() ?? text;

export class ClientSession {
  readonly phases: PhaseRecord[] = [];
  readonly transcript: string[] = [];
  private current: Phase = 'control-connect';
  private phaseStart: number;
  private first: ProbeFailure | null = null;
  private endpoint: Endpoint | undefined;
  private controlPeer: Endpoint | undefined;
  private modeSent = false;
  private dataConnected = false;
  /** The transfer command's final reply was a success; lftp may read it before it accepts the data connection. */
  private transferAnswered = false;
  private message: string | undefined;
  /** The last error reply (4xx/5xx) and the phase it arrived in: a failed exit is explained by it. */
  private lastError: { reply: Reply; phase: Phase } | undefined;
  private readonly reader = new ReplyReader();
  /** Commands sent and not yet answered with a final reply, oldest first (FTP answers in order). */
  private readonly awaiting: string[] = [GREETING];

  constructor(
    private readonly job: Pick<ProbeJob, 'mode' | 'command'>,
    /** `curl`, `lftp`: names the client in failure details. */
    private readonly client: string,
    private readonly onEndpoint: (e: Endpoint) => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.phaseStart = this.now();
  }

  get phase(): Phase {
    return this.current;
  }

  /** The first failure; once set the run is over and the client should be stopped. */
  get failure(): ProbeFailure | null {
    return this.first;
  }

  get dataEndpoint(): Endpoint | undefined {
    return this.endpoint;
  }

  /** The data connection was up and the transfer command got a success reply (226/250). */
  get transferred(): boolean {
    return this.dataConnected && this.transferAnswered;
  }

  /** The client's last message worth keeping (its final error message, when it printed one). */
  get lastMessage(): string | undefined {
    return this.message;
  }

  /** A failure of kind `reply` built from the last error reply, or undefined when there was none. */
  replyFailure(detail: string): ProbeFailure | undefined {
    const e = this.lastError;
    if (!e) return undefined;
    return { phase: e.phase, kind: 'reply', detail: `${detail}: ${lastLine(e.reply.text)}`, reply: e.reply.text, replyCode: e.reply.code };
  }

  feed(e: ClientEvent): void {
    switch (e.type) {
      case 'control-connected':
        if (this.current !== 'control-connect') return;
        this.controlPeer = e.peer;
        this.advance('greeting', `-> ${e.peer.host}:${e.peer.port}`);
        return;
      case 'sent':
        return this.sent(e.line);
      case 'received':
        this.transcript.push(`< ${e.line}`);
        for (const reply of this.reader.push(`${e.line}\n`)) this.replied(reply);
        return;
      case 'data-connecting':
        this.transcript.push(`# ${this.client}: connecting the data connection to ${e.to.host}:${e.to.port}`);
        // The client's own word on where the SYN goes wins over what the reply said (curl, for
        // one, ignores the address in a 227 and dials the control connection's peer).
        if (isPassive(this.job.mode)) this.announce(e.to);
        return;
      case 'data-connected':
        this.transcript.push(`# ${this.client}: data connection ${e.detail}`);
        this.dataConnected = true;
        if (this.current !== 'data-connect') return;
        this.advance('transfer', e.detail);
        if (this.transferAnswered) this.done();
        return;
      case 'connection-failed':
        this.transcript.push(`# ${this.client}: ${e.detail}`);
        return this.fail({ phase: this.current, kind: e.kind, detail: e.detail });
      case 'fallback':
        this.transcript.push(`# ${this.client}: ${e.detail}`);
        return this.fail({ phase: this.current, kind: 'protocol', detail: `${this.client} left the pinned mode ${this.job.mode}: ${e.detail}` });
      case 'note':
        this.message = e.text;
        this.transcript.push(`# ${this.client}: ${e.text}`);
        return;
    }
  }

  /** Records the first failure (later ones are consequences) and closes the phase it happened in. */
  fail(f: ProbeFailure): void {
    if (this.first) return;
    this.first = f;
    this.phases.push({ phase: f.phase, ok: false, ms: this.elapsed(), detail: f.detail });
  }

  /** Starts the integrity phase, which the harness checks after the client is gone. */
  beginIntegrity(): void {
    this.begin('integrity');
  }

  /** Ends the current phase successfully. */
  done(detail?: string): void {
    this.phases.push({ phase: this.current, ok: true, ms: this.elapsed(), ...(detail ? { detail } : {}) });
  }

  private sent(line: string): void {
    // Clients print the password; the transcript is evidence that ends up in reports.
    const shown = /^PASS /i.test(line) ? 'PASS ****' : line;
    this.transcript.push(`> ${shown}`);
    const verb = line.split(' ')[0]!.toUpperCase();
    this.awaiting.push(verb);
    if (!MODE_COMMANDS.has(verb)) return;
    if (verb !== this.job.mode) {
      const how = this.modeSent ? `sent ${verb} after ${this.job.mode}` : `sent ${verb} instead of ${this.job.mode}`;
      return this.fail({ phase: 'mode', kind: 'protocol', detail: `${this.client} ${how}: not the pinned mode` });
    }
    if (this.modeSent) return;
    this.modeSent = true;
    if (this.current !== 'mode') this.advance('mode');
    const argument = line.slice(verb.length + 1);
    if (verb === 'PORT' || verb === 'EPRT') {
      try {
        this.announce(verb === 'PORT' ? parsePortArgument(argument) : parseEprtArgument(argument));
      } catch (err) {
        this.fail({ phase: 'mode', kind: 'protocol', detail: (err as Error).message });
      }
    }
  }

  private replied(reply: Reply): void {
    // 1xx replies are preliminary (150 before a transfer): the command still awaits its final reply.
    if (reply.code < 200) return;
    const verb = this.awaiting.shift();
    if (reply.code >= 400) this.lastError = { reply, phase: this.current };
    if (verb === GREETING) {
      if (reply.code === 220 && this.current === 'greeting') this.advance('login');
      return;
    }
    if ((verb === 'USER' || verb === 'PASS') && reply.code === 230 && this.current === 'login') {
      this.advance('mode');
      return;
    }
    if (verb === this.job.mode) return this.modeReplied(reply);
    if (verb && TRANSFER_COMMANDS.has(verb) && reply.code < 300) {
      this.transferAnswered = true;
      if (this.current === 'transfer') this.done();
    }
  }

  private modeReplied(reply: Reply): void {
    const mode = this.job.mode;
    if (reply.code >= 400) {
      return this.fail({ phase: 'mode', kind: 'reply', detail: `${mode} refused: ${lastLine(reply.text)}`, reply: reply.text, replyCode: reply.code });
    }
    if (!isPassive(mode)) return this.advance('data-connect', this.endpoint && `${this.endpoint.host}:${this.endpoint.port}`);
    try {
      // EPSV names only a port: the data connection goes to the control connection's peer (RFC 2428).
      const announced = mode === 'PASV' ? parse227(reply.text) : { host: this.controlPeer?.host ?? '', port: parse229(reply.text) };
      if (!announced.host) throw new Error(`${this.client} printed no control connection peer before the 229 reply`);
      this.announce(announced);
      this.advance('data-connect', `${announced.host}:${announced.port}`);
    } catch (err) {
      this.fail({ phase: 'mode', kind: 'protocol', detail: (err as Error).message, reply: reply.text, replyCode: reply.code });
    }
  }

  private announce(e: Endpoint): void {
    if (this.endpoint?.host === e.host && this.endpoint.port === e.port) return;
    this.endpoint = e;
    this.onEndpoint(e);
  }

  /** Ends the current phase successfully and starts the next one. */
  private advance(next: Phase, detail?: string): void {
    this.done(detail);
    this.begin(next);
  }

  private begin(phase: Phase): void {
    this.current = phase;
    this.phaseStart = this.now();
  }

  private elapsed(): number {
    return Math.round(this.now() - this.phaseStart);
  }
}
