/**
 * The report's ladders as one compact table, embedded as JSON and drawn by the page script only
 * when a cell's panel opens. Pre-rendered SVG cost ~17 KB a cell (a 738-cell run made a 17 MB
 * file); as plain JSON a ladder is still ~4 KB, because every packet repeats its key names and
 * its endpoint and label strings. So a packet is a row of values in the order of `columns`, and
 * every value but `t` is an index into `strings`, which holds each distinct string once for the
 * whole run: endpoints, FTP lines and connection names recur across packets and across cells.
 * That is ~0.9 KB a ladder, and the data stays plain JSON anyone can read back.
 */
import type { Ladder, LadderPacket } from '../../evidence/ladder.ts';
import type { CellResult } from '../../cell-contract.ts';

/** Packet fields in row order; the optional ones last, so a row without them simply ends early (-1: absent before a present one). */
export const LADDER_COLUMNS = ['t', 'connection', 'from', 'to', 'label', 'src', 'dst', 'fate', 'rewritten', 'rule'] as const satisfies readonly (keyof LadderPacket)[];

export interface CompactLadder extends Omit<Ladder, 'packets'> {
  packets: number[][];
}

export interface LadderTable {
  columns: typeof LADDER_COLUMNS;
  strings: string[];
  /** By cell id, only cells of this report with at least one packet (the others say "no ladder"). */
  ladders: Record<string, CompactLadder>;
}

export function ladderTable(results: readonly CellResult[], ladders: Readonly<Record<string, Ladder>>): LadderTable {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  const entries: [string, CompactLadder][] = [];
  for (const cell of results) {
    // Own properties only: a cell id is run data and must not reach Object.prototype.
    const ladder = Object.hasOwn(ladders, cell.id) ? ladders[cell.id] : undefined;
    if (ladder === undefined || ladder.packets.length === 0) continue;
    const packets = ladder.packets.map((p) => {
      const row = LADDER_COLUMNS.map((column) => {
        const value = p[column];
        return typeof value === 'string' ? intern(value) : (value ?? -1);
      });
      while (row[row.length - 1] === -1) row.pop();
      return row;
    });
    entries.push([cell.id, { ...ladder, packets }]);
  }
  // fromEntries defines own properties, so even an id spelled `__proto__` stays plain data.
  return { columns: LADDER_COLUMNS, strings, ladders: Object.fromEntries(entries) };
}
