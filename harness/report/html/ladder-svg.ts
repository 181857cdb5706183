/**
 * A cell's ladder diagram as inline SVG: client, firewall and server as vertical lanes, one
 * arrow per captured packet in time order. Where a packet went is drawn by geometry, not only
 * colour: a packet that died ends on the firewall lane under a ✗, one the firewall sent starts
 * there (dashed), so the diagram reads the same printed in black and white.
 *
 * Plain presentation attributes rather than CSS classes carry the colours, so the SVG means the
 * same when copied out of the report. Classes and data-* attributes are for the report's own
 * script and for tests, which check the geometry through the DOM.
 */
import type { Ladder, LadderActor, LadderPacket } from '../../evidence/ladder.ts';
import { escapeHtml } from './html-escape.ts';
import { formatMs, packetFate } from './ladder-text.ts';

const FATE_COLOUR: Record<LadderPacket['fate'], string> = {
  crossed: '#37474f',
  died: '#c62828',
  'from-firewall': '#9a5b00',
  'to-firewall': '#9a5b00',
};
const LANE_COLOUR = '#90a4ae';
const NOTE_COLOUR = '#5d4037';

/** The time and connection column left of the client lane. */
const GUTTER = 100;
const LANE_GAP = 230;
const HEADER = 62;
const ROW = 38;
/** Extra height for a row that carries a NAT note under its arrow. */
const NOTE_ROW = 14;
const ARROW_HEAD = 8;
const MARK = 7;
/** Long FTP replies would run across the neighbouring lane; the full text stays in the tooltip. */
const LABEL_MAX = 44;
/** Labels sit across the firewall lane; a white outline under the glyphs keeps them legible. */
const HALO = { stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke' };

export function renderLadderSvg(ladder: Ladder): string {
  // A third host (a bounce victim) gets its own lane, right of the server, only when it appears.
  const lanes: LadderActor[] = ['client', 'firewall', 'server'];
  if (ladder.packets.some((p) => p.from === 'other' || p.to === 'other')) lanes.push('other');
  const laneX = (lane: LadderActor) => GUTTER + 30 + lanes.indexOf(lane) * LANE_GAP;
  const fw = laneX('firewall');
  const width = laneX(lanes[lanes.length - 1] ?? 'server') + 80;

  let y = HEADER - ROW / 2;
  const rows: string[] = [];
  for (const packet of ladder.packets) {
    y += ROW;
    rows.push(packetRow(packet, y, laneX, fw));
    if (packet.rewritten !== undefined) y += NOTE_ROW;
  }
  const folded =
    ladder.folded > 0
      ? text({ x: GUTTER, y: y + 30, fill: NOTE_COLOUR }, `${ladder.folded} further data ${ladder.folded === 1 ? 'segment' : 'segments'} folded away`)
      : '';
  const height = y + (ladder.folded > 0 ? 44 : 24);

  const title: Record<LadderActor, string> = { client: 'client', firewall: ladder.firewall, server: 'server', other: 'other host' };
  const header = lanes.map(
    (lane) =>
      text({ x: laneX(lane), y: 18, 'text-anchor': 'middle', 'font-weight': 'bold', 'font-size': 13 }, title[lane]) +
      el('line', {
        class: 'lane',
        'data-lane': lane,
        x1: laneX(lane),
        y1: HEADER - 18,
        x2: laneX(lane),
        y2: height - 10,
        stroke: LANE_COLOUR,
        'stroke-width': lane === 'firewall' ? 3 : 1.5,
      }),
  );
  // The firewall's two capture points, each on its own side of the firewall lane.
  const sides =
    text({ x: fw - 6, y: 34, 'text-anchor': 'end', 'font-size': 10, fill: NOTE_COLOUR }, ladder.clientSide) +
    text({ x: fw + 6, y: 34, 'font-size': 10, fill: NOTE_COLOUR }, ladder.serverSide);
  const summary = `${ladder.packets.length} packets captured at ${ladder.firewall}`;

  const attrs = {
    class: 'ladder',
    xmlns: 'http://www.w3.org/2000/svg',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `Ladder diagram: ${summary}`,
    'font-family': 'DejaVu Sans Mono, monospace',
    'font-size': 11,
  };
  return el('svg', attrs, el('title', {}, escapeHtml(summary)) + header.join('') + sides + rows.join('') + folded);
}

function packetRow(p: LadderPacket, y: number, laneX: (lane: LadderActor) => number, fw: number): string {
  const colour = FATE_COLOUR[p.fate];
  // Which end sits on the firewall lane follows from the fate, whatever from/to say, so a
  // capture that names the firewall loosely still draws where the packet was seen.
  const x1 = p.fate === 'from-firewall' ? fw : laneX(p.from);
  const x2 = p.fate === 'died' || p.fate === 'to-firewall' ? fw : laneX(p.to);
  const dir = Math.sign(x2 - x1) || 1;
  const label = p.label.length > LABEL_MAX ? `${p.label.slice(0, LABEL_MAX - 1)}…` : p.label;
  const tip = [`${p.label} at ${formatMs(p.t)}`, `${p.src} → ${p.dst}`, packetFate(p), ...(p.rewritten === undefined ? [] : [`NAT: ${p.rewritten}`])];

  const parts = [
    el('title', {}, escapeHtml(tip.join('\n'))),
    text({ x: 8, y: y - 4, fill: '#263238' }, formatMs(p.t)),
    text({ x: 8, y: y + 9, 'font-size': 9.5, fill: '#607d8b' }, p.connection),
    el('line', {
      class: 'arrow',
      x1,
      y1: y,
      x2,
      y2: y,
      stroke: colour,
      'stroke-width': p.fate === 'died' ? 2.5 : 1.75,
      'stroke-dasharray': p.fate === 'from-firewall' ? '6 3' : undefined,
    }),
    text({ class: 'label', x: (x1 + x2) / 2, y: y - 6, 'text-anchor': 'middle', fill: colour, ...HALO }, label),
  ];
  if (p.fate === 'died') {
    const cross = `M${fw - MARK} ${y - MARK}L${fw + MARK} ${y + MARK}M${fw - MARK} ${y + MARK}L${fw + MARK} ${y - MARK}`;
    parts.push(el('path', { class: 'drop-mark', d: cross, stroke: colour, 'stroke-width': 3.5, 'stroke-linecap': 'round' }));
  } else {
    parts.push(el('path', { class: 'head', d: `M${x2} ${y}l${-dir * ARROW_HEAD} -4.5v9z`, fill: colour }));
  }
  if (p.rewritten !== undefined) {
    const note = { class: 'nat-note', x: fw, y: y + 15, 'text-anchor': 'middle', 'font-size': 10, 'font-style': 'italic', fill: NOTE_COLOUR, ...HALO };
    parts.push(el('circle', { cx: fw, cy: y, r: 3.5, fill: '#fff', stroke: NOTE_COLOUR, 'stroke-width': 1.5 }), text(note, `NAT: ${p.rewritten}`));
  }
  return el('g', { class: 'packet', 'data-fate': p.fate, 'data-from': p.from, 'data-to': p.to }, parts.join(''));
}

type Attrs = Record<string, string | number | undefined>;

/** An element with escaped attributes; `content` is markup the caller already escaped. */
function el(tag: string, attrs: Attrs, content = ''): string {
  const list = Object.entries(attrs)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeHtml(String(value))}"`)
    .join('');
  return content === '' ? `<${tag}${list}/>` : `<${tag}${list}>${content}</${tag}>`;
}

function text(attrs: Attrs, content: string): string {
  return el('text', attrs, escapeHtml(content));
}
