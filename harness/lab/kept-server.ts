/**
 * A lab's FTP server, kept serving from cell to cell: a server that died is started again before
 * the next cell (and that cell's transcript says so), a cell during which it died is `error`,
 * and a session an aborted probe left behind is ended before the next cell begins.
 */
import type { Observation } from '../cell-contract.ts';
import type { FtpServer } from '../nodes/ftp-server.ts';
import { NodeStartError } from '../nodes/node-start-error.ts';
import { labStartError } from './lab-start-error.ts';
import { serverDied } from './server-died.ts';

export class KeptServer implements AsyncDisposable {
  /** An aborted probe may leave a server session still dialling; a completed one has quit. */
  private sessionsMayLinger = false;
  /** Said in the next cell's transcript: the server had died and was started again. */
  private restarted: string | undefined;

  constructor(
    /** Replaced when the server died and is started again. */
    private ftp: FtpServer,
    private readonly start: () => Promise<FtpServer>,
    /** Where a restart that fails leaves the server's output, and the lab it belongs to. */
    private readonly where: { logsDir: string; topology: string; node: string },
  ) {}

  get current(): FtpServer {
    return this.ftp;
  }

  /** A probe job did not finish: its server session may still be dialling. */
  noteUnfinishedSession(): void {
    this.sessionsMayLinger = true;
  }

  /** Before a cell: a dead server started again, lingering sessions ended. */
  async ready(): Promise<void> {
    const gone = await this.ftp.gone();
    if (gone) await this.restart(gone);
    if (this.sessionsMayLinger) await this.ftp.endSessions();
    this.sessionsMayLinger = false;
  }

  /**
   * After a cell: a server that died during it makes it `error` (serverDied), and a restart
   * before it is in its transcript. An `error` cell asks the node whether the server still
   * listens (its exit may not have reached the harness yet). A pass, or a block (which rests on a
   * traced drop of the cell's own SYN, something a dead server does not cause), relies on the
   * exits heard: an exec per blocked cell would cost the docker driver seconds per run.
   */
  async settled(o: Observation): Promise<Observation> {
    const observed = serverDied(o, await this.ftp.gone(o.outcome === 'error'));
    const note = this.restarted;
    this.restarted = undefined;
    return note ? { ...observed, transcript: [note, ...observed.transcript] } : observed;
  }

  /** Started again with the same settings; a restart that fails is a LabStartError, as at bring-up. */
  private async restart(gone: string): Promise<void> {
    // A listener that survived (vsftpd's implicit FTPS one) holds its port: stop it first.
    await Promise.resolve(this.ftp[Symbol.asyncDispose]()).catch(() => undefined);
    try {
      this.ftp = await this.start();
    } catch (err) {
      if (err instanceof NodeStartError) throw await labStartError(err, this.where.logsDir, this.where.topology, ` again after it died (${gone})`);
      throw err;
    }
    this.restarted = `# the FTP server had died (${gone}); started again before this cell`;
    process.stderr.write(`pinhole: node ${this.where.node}: the FTP server had died (${gone}); started it again\n`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.ftp[Symbol.asyncDispose]();
  }
}
