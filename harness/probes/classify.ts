/**
 * From evidence to an outcome: pass, blocked or error, with a cause. Pure, so the rules that
 * turn packets into verdicts are unit-tested on their own.
 *
 * "blocked" needs evidence that the path refused the transfer: a router's traced drop of the
 * connection's SYN, or the server's refusal of the address the firewall let through (vsftpd's
 * bounce protection answers a PORT naming an un-NATed private address with 500). A timeout with
 * no such evidence is an `error`: pinhole does not guess.
 */
import type { Observation } from '../model.ts';
import type { DropEvent } from '../nodes/drop-observer.ts';
import type { ProbeReport } from './probe-protocol.ts';

export interface Evidence {
  report: ProbeReport;
  drops: DropEvent[];
  /** STOR only: sha256 of the file as the server stored it (undefined when it is missing). */
  storedSha256?: string | undefined;
  command: 'RETR' | 'STOR' | 'LIST';
}

/** Replies that mean "the server would not use this data address / connection". */
const DATA_REFUSAL_CODES = new Set([425, 426]);

function describeDrop(d: DropEvent): string {
  const p = d.packet;
  return `SYN ${p.saddr}:${p.sport} -> ${p.daddr}:${p.dport} dropped at ${d.node} by ${d.chain} ${d.rule === 'policy drop' ? 'policy drop' : `rule "${d.rule}"`}`;
}

function lastLine(text: string | undefined): string {
  return (text ?? '').split('\n').pop()?.trim() ?? '';
}

export function classify(ev: Evidence): Observation {
  const { report, drops } = ev;
  const transcript = [...report.transcript, ...drops.map((d) => `# ${describeDrop(d)}`)];
  const base = { phases: report.phases, transcript, durationMs: report.durationMs };
  const f = report.failure;

  if (!f) {
    if (ev.command === 'STOR' && ev.storedSha256 !== report.sha256) {
      const seen = ev.storedSha256 ? `server stored sha256 ${ev.storedSha256}` : 'server has no stored file';
      return { ...base, outcome: 'error', cause: `integrity-mismatch: sent sha256 ${report.sha256}, ${seen}` };
    }
    return { ...base, outcome: 'pass', cause: null };
  }
  const firstDrop = drops[0];
  if (firstDrop) {
    const which = f.phase === 'control-connect' ? 'control-blocked' : 'data-blocked';
    return { ...base, outcome: 'blocked', cause: `${which}: ${describeDrop(firstDrop)}` };
  }
  if (f.kind === 'reply') {
    if (f.phase === 'mode' || (f.replyCode !== undefined && DATA_REFUSAL_CODES.has(f.replyCode))) {
      return { ...base, outcome: 'blocked', cause: `server-refused: ${lastLine(f.reply)}` };
    }
    return { ...base, outcome: 'error', cause: `server-error: ${f.phase}: ${lastLine(f.reply)}` };
  }
  if (f.kind === 'mismatch') return { ...base, outcome: 'error', cause: `integrity-mismatch: ${f.detail}` };
  if (f.kind === 'timeout') return { ...base, outcome: 'error', cause: `${f.phase}-timeout: no firewall drop observed (${f.detail})` };
  if (f.kind === 'refused') return { ...base, outcome: 'error', cause: `${f.phase}-refused: ${f.detail} (no firewall drop observed; is the server listening?)` };
  return { ...base, outcome: 'error', cause: `${f.phase}-failed: ${f.detail}` };
}
