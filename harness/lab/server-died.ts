/**
 * The lab's last word on every cell (Lab.settled): the FTP server must have lived through it.
 * Pure, so the rule is unit-tested with the classifiers.
 */
import type { Observation } from '../cell-contract.ts';

/**
 * A cell during which the FTP server's process ended is `error`, whatever else was seen: a dead
 * server explains a failed transfer, and the RSTs or silence it leaves must never read as the
 * firewall's doing (nor can a pass be vouched for). `gone` says which process ended and how.
 */
export function serverDied(o: Observation, gone: string | undefined): Observation {
  if (gone === undefined) return o;
  const saw = o.cause === null ? `the probe saw ${o.outcome}` : `the probe saw ${o.cause}`;
  return { ...o, outcome: 'error', cause: `server-died: the FTP server's process ended during the cell: ${gone}; ${saw}`, transcript: [...o.transcript, `# the FTP server's process ended: ${gone}`] };
}
