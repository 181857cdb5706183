/**
 * `expect(cell).toPassThrough()` and `expect(cell).toBeBlocked(cause?)` on a CellResult: a
 * failure says what was observed, why, and which rule decided each connection.
 */
import type { ExpectMatcherState, MatcherReturnType } from '@playwright/test';
import type { CellResult } from '../cell-contract.ts';
import { describeConnection } from '../evidence/attribution.ts';
import type { CauseCode } from '../model.ts';

/** `PORT RETR (routed, edge.nft)`, with its non-default dimensions. */
function cellName(c: CellResult): string {
  const extra = [c.probe !== 'transfer' ? c.probe : '', c.family !== 'ipv4' ? c.family : '', c.clientKind !== 'probe' ? c.clientKind : '', c.tls !== 'none' ? `tls ${c.tls}` : ''].filter(Boolean);
  return `${c.mode} ${c.command}${extra.length ? ` ${extra.join(' ')}` : ''} (${c.topology}, ${c.ruleset})`;
}

/** What the cell did, in the lines a reviewer needs: outcome, cause, the deciding rules, evidence. */
export function describeObserved(c: CellResult): string {
  const lines = [`observed: ${c.observed === 'error' ? 'inconclusive (the instrument or the server failed, not the firewall)' : c.observed}`];
  if (c.cause) lines.push(`cause: ${c.cause}`);
  for (const conn of c.attribution?.connections ?? []) lines.push(`decided: ${describeConnection(conn)}`);
  if (c.advice) lines.push(`advice${c.advice.verified ? ' (verified)' : ''}: ${c.advice.change.replace(/\n/g, '\n  ')}`);
  if (c.evidence) lines.push('evidence: attached to the test');
  return lines.join('\n');
}

function isCell(received: unknown): received is CellResult {
  return typeof received === 'object' && received !== null && 'observed' in received && 'mode' in received && 'command' in received;
}

function notACell(matcher: string, received: unknown): MatcherReturnType {
  return { pass: false, name: matcher, message: () => `${matcher}: expected the CellResult of ftp(...) or askCell(...), got ${JSON.stringify(received)?.slice(0, 200)}` };
}

/** A cause code (`tls-blind`) matches `tls-blind: ...`; a RegExp, anywhere in the cause. */
function causeMatches(actual: string | null, wanted: CauseCode | RegExp | undefined): boolean {
  if (wanted === undefined) return true;
  if (actual === null) return false;
  return typeof wanted === 'string' ? actual === wanted || actual.startsWith(`${wanted}:`) : wanted.test(actual);
}

export const cellMatchers = {
  toPassThrough(this: ExpectMatcherState, received: unknown): MatcherReturnType {
    if (!isCell(received)) return notACell('toPassThrough', received);
    const pass = received.observed === 'pass';
    const header = this.utils.matcherHint('toPassThrough', 'cell', '', { isNot: this.isNot });
    return {
      pass,
      name: 'toPassThrough',
      expected: this.isNot ? 'not pass' : 'pass',
      actual: received.observed,
      message: () => `${header}\n\n${cellName(received)}: expected ${this.isNot ? 'it not to pass through' : 'it to pass through'}\n${describeObserved(received)}`,
    };
  },

  toBeBlocked(this: ExpectMatcherState, received: unknown, cause?: CauseCode | RegExp): MatcherReturnType {
    if (!isCell(received)) return notACell('toBeBlocked', received);
    const pass = received.observed === 'blocked' && causeMatches(received.cause, cause);
    const header = this.utils.matcherHint('toBeBlocked', 'cell', cause === undefined ? '' : 'cause', { isNot: this.isNot });
    const wanted = `blocked${cause === undefined ? '' : ` with cause ${String(cause)}`}`;
    return {
      pass,
      name: 'toBeBlocked',
      expected: this.isNot ? `not ${wanted}` : wanted,
      actual: received.observed === 'blocked' ? `blocked: ${received.cause}` : received.observed,
      message: () => `${header}\n\n${cellName(received)}: expected ${this.isNot ? 'it not to be' : 'it to be'} ${wanted}\n${describeObserved(received)}`,
    };
  },
};
