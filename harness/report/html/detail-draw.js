// The detail panel of one cell, laid out in the page when the cell is opened: the verdict and its
// cause, the rule change that would fix it, where the evidence files are, and the packets as the
// firewall saw them. The cell's fields come from the run's JSON report, what only the harness
// knows how to work out (scenario label, cause code, safe evidence links) from detail-data.ts.
//
// Built node by node: every string a run recorded goes in as a text node or an attribute value,
// never through a markup parser, so a cause holding markup shows as the characters it is.
//
// A classic script like ladder-draw.js, whose pinholeLadder it uses; its one name is pinholeDetail.
const pinholeDetail = (() => {
  'use strict';

  /** The panel's blocks for one cell; `ladder` is the cell's decoded ladder, or null for none. */
  function render(cell, data, vocabulary, ladder) {
    const mark = vocabulary.marks[cell.verdict];
    const facts = [
      ['suite', `${cell.suite} on ${cell.topology}`],
      ['rule set', cell.ruleset],
      // A rendered rule set: the frontend that rendered it, from which configuration, into which files.
      ...(cell.frontend ? [['rendered by', `${cell.frontend.kind} ${cell.frontend.version} from ${cell.frontend.config}`, el('br', {}), el('span', { class: 'muted' }, cell.frontend.rendering.join(', '))]] : []),
      ['scenario', ...scenarioParts(cell, data.scenario)],
      ['expected', cell.expected ?? 'nothing (explore)'],
      ['observed', vocabulary.words[cell.observed ?? 'none']],
      ['verdict', el('span', { class: `verdict v-${cell.verdict}` }, ...marked(mark, cell.verdict))],
      ['cause', ...causeParts(cell.cause, data.causeCode)],
      ['duration', `${Math.round(cell.durationMs)} ms`],
    ];
    const blocks = [
      el('h2', { class: 'detail-title' }, `${cell.ruleset} · ${data.scenario}`),
      el('p', { class: 'cell-id' }, el('code', {}, cell.id)),
      el('dl', { class: 'facts' }, ...facts.flatMap(([term, ...description]) => [el('dt', {}, term), el('dd', {}, ...description)])),
    ];
    if (data.connections.length > 0) blocks.push(attribution(cell, data.connections));
    if (cell.advice) blocks.push(advice(cell.advice));
    if (data.evidence !== null) blocks.push(evidence(data.evidence));
    blocks.push(ladderBox(cell, ladder));
    return blocks;
  }

  /** The client and server node names, only when they are not the usual `client`/`server`. */
  function scenarioParts(cell, scenario) {
    if ((cell.client === 'client' && cell.server === 'server') || cell.client === '') return [scenario];
    return [`${scenario} `, el('span', { class: 'muted' }, `(${cell.client} → ${cell.server})`)];
  }

  /** The stable code apart from the detail, so a reader sees which of the known causes it is. */
  function causeParts(cause, code) {
    if (cause === null) return [el('span', { class: 'muted' }, 'none')];
    if (code === null) return [el('span', { class: 'cause-detail' }, cause)];
    const detail = cause.slice(cause.indexOf(':') + 1).trim();
    const parts = [el('code', { class: 'cause-code' }, code)];
    if (detail !== '') parts.push(' ', el('span', { class: 'cause-detail' }, detail));
    return parts;
  }

  /** Which rule let each connection through (or dropped it), from the firewall's own trace. */
  function attribution(cell, connections) {
    return el(
      'section',
      { class: 'attribution', 'aria-label': 'Which rules decided' },
      el('h3', {}, 'Which rules decided'),
      el('p', { class: 'muted' }, `From the trace of ${cell.attribution.node}, the first packet of each connection:`),
      el('ul', {}, ...connections.map((words) => el('li', {}, words))),
    );
  }

  function advice(advice) {
    const badge = advice.verified
      ? el('span', { class: 'badge verified' }, ...marked('✓', 'verified by re-running'))
      : el('span', { class: 'badge unverified' }, ...marked('?', 'not verified'));
    return el(
      'section',
      { class: 'advice', 'aria-label': 'Advice' },
      el('h3', {}, 'Advice ', badge),
      el('p', {}, 'The smallest rule change found that makes this transfer pass:'),
      el('pre', {}, el('code', {}, advice.change)),
    );
  }

  // The href was checked by the report (safeHref); file names may hold `#`, `?` or spaces, and
  // sub-directories keep their slashes.
  function evidence({ href, files }) {
    const base = href.replace(/\/+$/, '');
    const links =
      files.length === 0
        ? [[href, 'evidence directory']]
        : files.map((name) => [`${base}/${name.split('/').map(encodeURIComponent).join('/')}`, name]);
    return el(
      'section',
      { class: 'evidence', 'aria-label': 'Evidence' },
      el('h3', {}, 'Evidence'),
      el('ul', {}, ...links.map(([to, text]) => el('li', {}, el('a', { href: to }, text)))),
    );
  }

  function ladderBox(cell, ladder) {
    const body = ladder
      ? [el('div', { class: 'ladder-wrap' }, pinholeLadder.svg(ladder)), pinholeLadder.list(ladder)]
      : [el('p', { class: 'none' }, `No ladder diagram for this cell${cell.observed === null ? ': it was skipped, nothing was captured' : ''}.`)];
    return el('section', { class: 'ladder-box', 'aria-label': 'Packets at the firewall' }, el('h3', {}, 'Packets at the firewall'), ...body);
  }

  /** A mark for sighted readers, hidden from screen readers, which read the word after it. */
  function marked(mark, word) {
    return mark === '' ? [word] : [el('span', { 'aria-hidden': 'true' }, mark), ` ${word}`];
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    node.append(...children.filter((child) => child !== ''));
    return node;
  }

  return { render };
})();
