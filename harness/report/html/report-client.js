// The report's page script: filters and the detail panel. The matrix and filters were rendered
// and escaped when the report was written; this script shows and hides them, reading the run's
// data from the embedded JSON. A cell's panel it has detail-draw.js and ladder-draw.js build from
// that data node by node, so nothing a run recorded is ever parsed as HTML here.
(() => {
  'use strict';
  document.documentElement.classList.remove('no-js');

  const results = readJson('pinhole-report').results;
  const form = document.querySelector('form.filters');
  const count = form.querySelector('output.count');
  const noMatch = document.querySelector('.no-match');
  const buttons = Array.from(document.querySelectorAll('button.cell'));
  const panel = document.getElementById('detail');
  const panelBody = panel.querySelector('.detail-body');
  let opener = null;
  // Parsed when the first cell is opened: the page shows its matrix without them, and a reader
  // who opens no cell never pays for them.
  let details = null;
  let ladders = null;

  function currentFilters() {
    const data = new FormData(form);
    const text = String(data.get('text') || '').trim().toLowerCase();
    return { suite: data.get('suite'), verdict: data.get('verdict'), observed: data.get('observed'), mode: data.get('mode'), text };
  }

  function matches(cell, f) {
    const observed = cell.observed === null ? 'none' : cell.observed;
    return (
      (!f.suite || cell.suite === f.suite) &&
      (!f.verdict || cell.verdict === f.verdict) &&
      (!f.observed || observed === f.observed) &&
      (!f.mode || cell.mode === f.mode) &&
      (!f.text || (cell.id + '\n' + (cell.cause || '')).toLowerCase().includes(f.text))
    );
  }

  function applyFilters() {
    const f = currentFilters();
    let shown = 0;
    for (const button of buttons) {
      const keep = matches(results[Number(button.dataset.cell)], f);
      button.hidden = !keep;
      if (keep) shown += 1;
    }
    // A row, column or whole group with nothing left to show goes too, so what remains is a
    // compact table rather than a sparse one.
    for (const table of document.querySelectorAll('table.matrix')) {
      const liveColumns = new Set();
      for (const row of table.tBodies[0].rows) {
        let live = false;
        for (const td of row.querySelectorAll('td')) {
          if (td.querySelector('button.cell:not([hidden])')) {
            live = true;
            liveColumns.add(td.dataset.col);
          }
        }
        row.hidden = !live;
      }
      for (const el of table.querySelectorAll('[data-col]')) el.hidden = !liveColumns.has(el.dataset.col);
      table.closest('section.group').hidden = liveColumns.size === 0;
    }
    count.textContent = 'Showing ' + shown + ' of ' + buttons.length + ' cells';
    noMatch.hidden = shown > 0;
  }

  function open(button) {
    const index = Number(button.dataset.cell);
    const cell = results[index];
    details = details || readJson('pinhole-details');
    ladders = ladders || readJson('pinhole-ladders');
    panelBody.replaceChildren(...pinholeDetail.render(cell, details.cells[index], details, pinholeLadder.read(ladders, cell.id)));
    if (opener) opener.setAttribute('aria-expanded', 'false');
    opener = button;
    button.setAttribute('aria-expanded', 'true');
    panel.hidden = false;
    document.body.classList.add('panel-open');
    panel.scrollTop = 0;
    panel.focus();
    rememberInUrl(cell.id);
  }

  function readJson(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    panelBody.replaceChildren();
    document.body.classList.remove('panel-open');
    rememberInUrl('');
    if (opener) {
      opener.setAttribute('aria-expanded', 'false');
      opener.focus();
      opener = null;
    }
  }

  // The open cell's id in the fragment, so a link (from a CI log, a ticket) opens that cell.
  // A fragment change never fetches anything; some browsers refuse replaceState on file:// URLs.
  function rememberInUrl(id) {
    try {
      history.replaceState(null, '', id ? '#' + encodeURIComponent(id) : location.pathname + location.search);
    } catch {
      // The panel works without it.
    }
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest('button.cell');
    if (button) open(button);
    else if (event.target.closest('#detail .close')) close();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  form.addEventListener('input', applyFilters);
  form.addEventListener('change', applyFilters);
  form.addEventListener('submit', (event) => event.preventDefault());

  function openFromUrl() {
    let id = '';
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch {
      // A hand-edited fragment that is not valid percent-encoding names no cell.
    }
    const index = results.findIndex((cell) => cell.id === id);
    const button = buttons.find((b) => Number(b.dataset.cell) === index);
    if (button && button !== opener) open(button);
  }
  window.addEventListener('hashchange', openFromUrl);

  applyFilters();
  if (location.hash.length > 1) openFromUrl();
})();
