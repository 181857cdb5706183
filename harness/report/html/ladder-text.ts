/**
 * A ladder in words: the same packets as the diagram, as a list a screen reader can read and a
 * person can copy addresses from (the diagram keeps them in tooltips only).
 */
import type { Ladder, LadderPacket } from '../../evidence/ladder.ts';
import { escapeHtml } from './html-escape.ts';

export function renderPacketList(ladder: Ladder): string {
  const items = ladder.packets.map((p) => {
    const nat = p.rewritten === undefined ? '' : `; NAT: ${p.rewritten}`;
    const line = `${formatMs(p.t)} ${p.connection}: ${p.label}, ${p.from} → ${p.to} (${p.src} → ${p.dst}), ${packetFate(p)}${nat}`;
    return `<li class="fate-${p.fate}">${escapeHtml(line)}</li>`;
  });
  const folded = ladder.folded > 0 ? `<p>${ladder.folded} further data segments folded away.</p>` : '';
  return `<details class="packet-list"><summary>The packets as a list</summary><ol>${items.join('')}</ol>${folded}</details>`;
}

export function packetFate(p: LadderPacket): string {
  switch (p.fate) {
    case 'crossed':
      return 'crossed the firewall';
    case 'died':
      return 'died in the firewall: entered it and never left';
    case 'from-firewall':
      return 'sent by the firewall itself';
    case 'to-firewall':
      return 'addressed to the firewall itself';
  }
}

export function formatMs(t: number): string {
  return `${t < 10 ? t.toFixed(1) : Math.round(t)} ms`;
}
