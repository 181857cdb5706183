// A cell's ladder diagram, drawn in the page when its panel opens, from the report's ladder table
// (ladder-data.ts): client, firewall and server as vertical lanes, one arrow per captured packet
// in time order. Where a packet went is drawn by geometry, not only colour: a packet that died
// ends on the firewall lane under a ✗, one the firewall sent starts there (dashed), so the
// diagram reads the same printed in black and white.
//
// Drawn here rather than written into the file: as markup every ladder cost ~17 KB whether or
// not anyone opened its cell. Elements come from createElementNS/createElement and every string
// a run recorded goes in as a text node or an attribute value, never through a markup parser.
//
// Plain presentation attributes rather than CSS classes carry the colours, so the SVG means the
// same when copied out of the report. Classes and data-* attributes are for the report's own
// script and for tests, which check the geometry through the DOM.
//
// A classic script (the report opens from file://, where module scripts cannot import), so its
// one name, pinholeLadder, is shared with report-client.js through the global scope.
const pinholeLadder = (() => {
  'use strict';

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

  const FATE_COLOUR = {
    crossed: '#37474f',
    died: '#c62828',
    'from-firewall': '#9a5b00',
    'to-firewall': '#9a5b00',
  };
  const LANE_COLOUR = '#90a4ae';
  const NOTE_COLOUR = '#5d4037';

  // The time and connection column left of the client lane.
  const GUTTER = 100;
  const LANE_GAP = 230;
  const HEADER = 62;
  const ROW = 38;
  // Extra height for a row that carries a NAT note under its arrow.
  const NOTE_ROW = 14;
  // Each line under the last arrow saying what the diagram leaves out.
  const FOOT_LINE = 16;
  const ARROW_HEAD = 8;
  const MARK = 7;
  // Long FTP replies would run across the neighbouring lane; the full text stays in the tooltip.
  const LABEL_MAX = 44;
  // Labels sit across the firewall lane; a white outline under the glyphs keeps them legible.
  const HALO = { stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke' };

  /** One cell's ladder out of the table, in the Ladder shape (evidence/ladder.ts); null if none. */
  function read(table, id) {
    if (!Object.hasOwn(table.ladders, id)) return null;
    const compact = table.ladders[id];
    const packets = compact.packets.map((row) => {
      const packet = {};
      table.columns.forEach((column, i) => {
        if (i < row.length && row[i] !== -1) packet[column] = column === 't' ? row[i] : table.strings[row[i]];
      });
      return packet;
    });
    return { ...compact, packets };
  }

  function svg(ladder) {
    // A third host (a bounce victim) gets its own lane, right of the server, only when it appears.
    const lanes = ['client', 'firewall', 'server'];
    if (ladder.packets.some((p) => p.from === 'other' || p.to === 'other')) lanes.push('other');
    const laneX = (lane) => GUTTER + 30 + lanes.indexOf(lane) * LANE_GAP;
    const fw = laneX('firewall');
    const width = laneX(lanes[lanes.length - 1]) + 80;

    let y = HEADER - ROW / 2;
    const rows = [];
    for (const packet of ladder.packets) {
      y += ROW;
      rows.push(packetRow(packet, y, laneX, fw));
      if (packet.rewritten !== undefined) y += NOTE_ROW;
      if (packet.rule !== undefined) y += NOTE_ROW;
    }
    const notes = leftOut(ladder);
    const foot = notes.map((note, i) => text({ x: GUTTER, y: y + 30 + i * FOOT_LINE, fill: NOTE_COLOUR }, note));
    const height = y + (notes.length > 0 ? 44 + (notes.length - 1) * FOOT_LINE : 24);

    const title = { client: 'client', firewall: ladder.firewall, server: 'server', other: 'other host' };
    const header = lanes.flatMap((lane) => [
      text({ x: laneX(lane), y: 18, 'text-anchor': 'middle', 'font-weight': 'bold', 'font-size': 13 }, title[lane]),
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
    ]);
    // The firewall's two capture points, each on its own side of the firewall lane.
    const sides = [
      text({ x: fw - 6, y: 34, 'text-anchor': 'end', 'font-size': 10, fill: NOTE_COLOUR }, ladder.clientSide),
      text({ x: fw + 6, y: 34, 'font-size': 10, fill: NOTE_COLOUR }, ladder.serverSide),
    ];
    const summary = `${ladder.packets.length} packets captured at ${ladder.firewall}`;

    const root = el('svg', { class: 'ladder' }, el('title', {}, summary), ...header, ...sides, ...rows, ...foot);
    // The HTML parser puts xmlns in the XMLNS namespace; the same here, so the SVG copies out alike.
    root.setAttributeNS(XMLNS_NS, 'xmlns', SVG_NS);
    setAttributes(root, {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': `Ladder diagram: ${summary}`,
      'font-family': 'DejaVu Sans Mono, monospace',
      'font-size': 11,
    });
    return root;
  }

  function packetRow(p, y, laneX, fw) {
    const colour = FATE_COLOUR[p.fate];
    // Which end sits on the firewall lane follows from the fate, whatever from/to say, so a
    // capture that names the firewall loosely still draws where the packet was seen.
    const x1 = p.fate === 'from-firewall' ? fw : laneX(p.from);
    const x2 = p.fate === 'died' || p.fate === 'to-firewall' ? fw : laneX(p.to);
    const dir = Math.sign(x2 - x1) || 1;
    const label = p.label.length > LABEL_MAX ? `${p.label.slice(0, LABEL_MAX - 1)}…` : p.label;
    const tip = [`${p.label} at ${formatMs(p.t)}`, `${p.src} → ${p.dst}`, fateWords(p), ...(p.rewritten === undefined ? [] : [`NAT: ${p.rewritten}`]), ...(p.rule === undefined ? [] : [`rule: ${p.rule}`])];

    const parts = [
      el('title', {}, tip.join('\n')),
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
    if (p.rule !== undefined) {
      // Under the NAT note when there is one: the rule that decided this SYN (or SYN-ACK) at the firewall.
      const below = p.rewritten === undefined ? 15 : 15 + NOTE_ROW;
      parts.push(text({ class: 'rule-note', x: fw, y: y + below, 'text-anchor': 'middle', 'font-size': 10, fill: NOTE_COLOUR, ...HALO }, p.rule));
    }
    return el('g', { class: 'packet', 'data-fate': p.fate, 'data-from': p.from, 'data-to': p.to }, ...parts);
  }

  /**
   * The same packets in words, as a list a screen reader can read and a person can copy
   * addresses from (the diagram keeps them in tooltips only).
   */
  function list(ladder) {
    const items = ladder.packets.map((p) => {
      const nat = p.rewritten === undefined ? '' : `; NAT: ${p.rewritten}`;
      const rule = p.rule === undefined ? '' : `; ${p.rule}`;
      const line = `${formatMs(p.t)} ${p.connection}: ${p.label}, ${p.from} → ${p.to} (${p.src} → ${p.dst}), ${fateWords(p)}${nat}${rule}`;
      return html('li', { class: `fate-${p.fate}` }, line);
    });
    const notes = leftOut(ladder).map((note) => html('p', {}, `${note}.`));
    return html('details', { class: 'packet-list' }, html('summary', {}, 'The packets as a list'), html('ol', {}, ...items), ...notes);
  }

  /** What the diagram does not show one by one, said under it and under the list alike. */
  function leftOut(ladder) {
    const notes = [];
    const { folded, omitted } = ladder;
    if (folded > 0) notes.push(`${folded} further data ${folded === 1 ? 'segment' : 'segments'} folded away`);
    // build-ladder keeps a long ladder's beginning and end; the count is all it records of the gap.
    if (omitted > 0) notes.push(`${omitted} further ${omitted === 1 ? 'entry' : 'entries'} left out of the middle`);
    return notes;
  }

  function fateWords(p) {
    switch (p.fate) {
      case 'crossed':
        return 'crossed the firewall';
      case 'died':
        return 'died in the firewall: entered it and never left';
      case 'from-firewall':
        return 'sent by the firewall itself';
      case 'to-firewall':
        return 'addressed to the firewall itself';
      default:
        return String(p.fate);
    }
  }

  function formatMs(t) {
    return `${t < 10 ? t.toFixed(1) : Math.round(t)} ms`;
  }

  /** An SVG element; strings among the children become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttributes(node, attrs);
    node.append(...children.filter((child) => child !== ''));
    return node;
  }

  function text(attrs, content) {
    return el('text', attrs, content);
  }

  function html(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttributes(node, attrs);
    node.append(...children.filter((child) => child !== ''));
    return node;
  }

  function setAttributes(node, attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== undefined) node.setAttribute(name, String(value));
    }
  }

  return { read, svg, list };
})();
