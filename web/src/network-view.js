// SVG network view + an equivalent table of relationships. Readable at a few hundred organisations: zoom (wheel,
// buttons, + / − keys) and pan (drag, arrow keys) by moving the viewBox; labels keep their size on screen and are
// placed without overlaps (network.js placeLabels), so more names appear as one zooms in; a search highlights one
// organisation and its neighbours.
import { h, clear } from './dom.js';
import { layoutGraph, neighbourhood, matchNodes, placeLabels } from './network.js';

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v); else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const LABEL_PX = 12; // label font size on screen, whatever the zoom
const MIN_ZOOM = 1, MAX_ZOOM = 12;

export function renderNetwork(panel, graph, { i18n, onOpen }) {
  clear(panel);
  panel.append(h('h2', null, i18n.t('network.heading')), h('p.hint', null, i18n.t('network.intro')));
  if (graph.links.length === 0) {
    panel.append(h('p', null, i18n.t('network.empty')));
    return;
  }
  const connected = graph.nodes.filter((n) => n.degree > 0);
  const sub = { nodes: connected, links: graph.links };
  const width = 900, height = Math.max(420, Math.min(900, 120 + connected.length * 18));
  const pos = layoutGraph(sub, { width, height });
  const home = { x: 0, y: 0, w: width, h: height };
  let vb = { ...home };
  let highlighted = null; // Set of ids, or null
  let focusId = null; // the organisation searched for: always labelled

  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'network', role: 'group', 'aria-label': i18n.t('network.heading'), 'data-zoom': '1' });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 22, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))));
  const edges = s('g', { class: 'edges', 'aria-hidden': 'true' });
  const edgeEls = [];
  for (const l of graph.links) {
    const a = pos.get(l.source), b = pos.get(l.target);
    const el = s('line', { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1), class: 'edge edge-' + l.type, 'marker-end': l.type === 'member_of' ? 'url(#arrow)' : null });
    edgeEls.push({ el, l });
    edges.append(el);
  }
  svg.append(edges);
  const nodesG = s('g', { class: 'nodes' });
  // labels live in their own aria-hidden layer so that each focusable node's name is exactly its full label
  const labelsG = s('g', { class: 'labels', 'aria-hidden': 'true' });
  const items = [];
  for (const n of connected) {
    const p = pos.get(n.id);
    const r = 7 + Math.min(10, n.degree * 1.5);
    const text = n.label.length > 28 ? n.label.slice(0, 27) + '…' : n.label;
    const g = s('g', {
      class: 'node' + (n.inSelection ? '' : ' node-external') + (n.has_alerts ? ' node-alert' : ''),
      transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`, tabindex: 0, role: 'button', 'aria-label': n.label,
      'data-listing': n.id,
      onclick: () => onOpen(n.id),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onOpen(n.id); } },
      onfocus: () => ensureVisible(p),
    }, s('circle', { r }));
    const circle = g.firstChild;
    const label = s('text', { class: 'node-label', 'data-listing': n.id, 'font-size': LABEL_PX }, text);
    nodesG.append(g);
    labelsG.append(label);
    items.push({ id: n.id, node: n, g, circle, label, x: p.x, y: p.y, r, text, width: 0 });
  }
  svg.append(labelsG);
  svg.append(nodesG);

  // ---- tools: search, zoom buttons, status ----
  const status = h('p.network-status', { role: 'status', 'aria-live': 'polite' });
  const searchId = 'network-search';
  const listId = 'network-search-list';
  const input = h('input#' + searchId, { type: 'search', list: listId, placeholder: i18n.t('network.search.placeholder'), autocomplete: 'off' });
  const datalist = h('datalist#' + listId, null, ...[...connected].sort((a, b) => a.label.localeCompare(b.label)).map((n) => h('option', { value: n.label })));
  const button = (cls, label, text, onclick) => h('button.btn.' + cls, { type: 'button', 'aria-label': label, title: label, onclick }, text);
  const tools = h('div.network-tools', null,
    h('label', { for: searchId }, i18n.t('network.search')), input, datalist,
    h('span.network-zoom', null,
      button('network-zoom-in', i18n.t('network.zoomIn'), '+', () => zoomBy(1.6)),
      button('network-zoom-out', i18n.t('network.zoomOut'), '−', () => zoomBy(1 / 1.6)),
      button('network-reset', i18n.t('network.reset'), '⟲', () => { vb = { ...home }; apply(); })));
  const wrap = h('div.network-wrap', { tabindex: 0, 'aria-label': i18n.t('network.hint') }, svg);
  panel.append(tools, status, wrap, h('p.hint', null, i18n.t('network.hint')));
  panel.append(h('p.legend', null,
    h('span.legend-member', null, '→ ' + i18n.t('network.legend.member')), '  ',
    h('span.legend-partner', null, '┄ ' + i18n.t('network.legend.partner'))));

  // ---- view box ----
  const zoom = () => home.w / vb.w;
  function clampView() {
    const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom()));
    const cx = vb.x + vb.w / 2, cy = vb.y + vb.h / 2;
    vb.w = home.w / z; vb.h = home.h / z;
    vb.x = Math.min(home.w - vb.w, Math.max(0, cx - vb.w / 2));
    vb.y = Math.min(home.h - vb.h, Math.max(0, cy - vb.h / 2));
  }
  function zoomBy(f, at = null) {
    const c = at || { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
    const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom() * f));
    const w = home.w / z, hh = home.h / z;
    vb = { x: c.x - (c.x - vb.x) * (w / vb.w), y: c.y - (c.y - vb.y) * (hh / vb.h), w, h: hh };
    apply();
  }
  function panBy(dx, dy) { vb.x += dx; vb.y += dy; apply(); }
  function centreOn(p, z = Math.max(zoom(), 2.5)) {
    vb.w = home.w / z; vb.h = home.h / z; vb.x = p.x - vb.w / 2; vb.y = p.y - vb.h / 2;
    apply();
  }
  function ensureVisible(p) {
    if (p.x < vb.x || p.x > vb.x + vb.w || p.y < vb.y || p.y > vb.y + vb.h) centreOn(p, zoom());
  }
  // user units per screen pixel (the SVG is scaled to the panel's width)
  // (the SVG keeps its aspect ratio inside a box capped in height: the tighter of the two axes sets the scale)
  const unitsPerPx = () => {
    const r = svg.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? Math.max(vb.w / r.width, vb.h / r.height) : vb.w / 900;
  };

  let measured = false;
  function measure() {
    if (measured) return;
    let ok = false;
    for (const it of items) {
      let w = 0;
      try { w = it.label.getComputedTextLength(); } catch { w = 0; }
      if (w > 0) ok = true;
      it.width = w > 0 ? w : it.text.length * LABEL_PX * 0.62;
    }
    measured = ok; // measured for real only once the panel is visible; until then an estimate
  }

  function apply() {
    clampView();
    svg.setAttribute('viewBox', `${vb.x.toFixed(2)} ${vb.y.toFixed(2)} ${vb.w.toFixed(2)} ${vb.h.toFixed(2)}`);
    svg.setAttribute('data-zoom', zoom().toFixed(2));
    measure();
    const u = unitsPerPx();
    const z = zoom();
    // circles keep their size on screen too: zooming in spreads the organisations apart
    for (const it of items) it.circle.setAttribute('r', (it.r / z).toFixed(2));
    const inView = (it) => it.x >= vb.x && it.x <= vb.x + vb.w && it.y >= vb.y && it.y <= vb.y + vb.h;
    const candidates = items.filter(inView).map((it) => ({
      id: it.id, x: it.x, y: it.y, r: it.r / z, width: it.width * u * 1.04,
      priority: (it.id === focusId ? 2000 : 0) + (highlighted && highlighted.has(it.id) ? 1000 : 0) + it.node.degree,
      force: it.id === focusId,
    }));
    const placed = placeLabels(candidates, { height: LABEL_PX * 1.3 * u, gap: 2 * u, bounds: { x0: vb.x, x1: vb.x + vb.w, y0: vb.y, y1: vb.y + vb.h } });
    for (const it of items) {
      const at = placed.get(it.id);
      if (!at) { it.label.setAttribute('display', 'none'); continue; }
      it.label.removeAttribute('display');
      it.label.setAttribute('x', at.x.toFixed(2));
      it.label.setAttribute('y', at.y.toFixed(2));
      it.label.setAttribute('text-anchor', at.anchor);
      it.label.setAttribute('font-size', (LABEL_PX * u).toFixed(3));
      it.label.style.strokeWidth = `${(3 * u).toFixed(3)}px`;
    }
  }

  function highlight(node) {
    highlighted = node ? neighbourhood(sub, node.id) : null;
    focusId = node ? node.id : null;
    svg.classList.toggle('network-highlighting', !!highlighted);
    for (const it of items) it.g.classList.toggle('node-highlight', !!highlighted && highlighted.has(it.id));
    for (const it of items) it.label.classList.toggle('label-highlight', !!highlighted && highlighted.has(it.id));
    for (const { el, l } of edgeEls) el.classList.toggle('edge-highlight', !!node && (l.source === node.id || l.target === node.id));
    if (node) {
      svg.setAttribute('data-highlighted', node.id);
      status.textContent = i18n.t('network.highlighted', { name: node.label, n: highlighted.size - 1 });
      centreOn(pos.get(node.id));
    } else {
      svg.removeAttribute('data-highlighted');
      apply();
    }
  }

  function search(commit) {
    const q = input.value.trim();
    if (!q) { status.textContent = ''; highlight(null); return; }
    const exact = connected.find((n) => n.label === q);
    const found = exact ? [exact] : matchNodes(connected, q, 2);
    if (found.length === 0) { status.textContent = i18n.t('network.noMatch', { q }); highlight(null); return; }
    if (exact || found.length === 1 || commit) highlight(found[0]);
  }
  input.addEventListener('input', () => search(false));
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); search(true); } });

  // ---- pointer and keyboard ----
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    const at = { x: vb.x + ((e.clientX - r.left) / r.width) * vb.w, y: vb.y + ((e.clientY - r.top) / r.height) * vb.h };
    zoomBy(e.deltaY < 0 ? 1.25 : 1 / 1.25, at);
  }, { passive: false });
  let drag = null;
  svg.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || e.target.closest('.node')) return;
    drag = { x: e.clientX, y: e.clientY, vb: { ...vb } };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const u = unitsPerPx();
    vb = { ...drag.vb, x: drag.vb.x - (e.clientX - drag.x) * u, y: drag.vb.y - (e.clientY - drag.y) * u };
    apply();
  });
  const endDrag = () => { drag = null; };
  svg.addEventListener('pointerup', endDrag);
  svg.addEventListener('pointercancel', endDrag);
  wrap.addEventListener('keydown', (e) => {
    if (e.target !== wrap) return;
    const step = vb.w / 8;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) { e.preventDefault(); panBy(...moves[e.key]); } else if (e.key === '+' || e.key === '=') { e.preventDefault(); zoomBy(1.6); } else if (e.key === '-') { e.preventDefault(); zoomBy(1 / 1.6); }
  });
  // labels depend on the on-screen size: place them once visible and again when the panel is resized
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => apply()).observe(wrap);
  apply();

  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const rows = graph.links.map((l) => h('tr', null,
    h('td', null, h('button.btn-link', { type: 'button', onclick: () => onOpen(l.source) }, byId.get(l.source).label)),
    h('td', null, i18n.t('rel.' + l.type)),
    h('td', null, h('button.btn-link', { type: 'button', onclick: () => onOpen(l.target) }, byId.get(l.target).label))));
  panel.append(h('details.network-table', null,
    h('summary', null, `${i18n.t('network.table')} (${i18n.t('network.summary', { n: graph.links.length })})`),
    h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, i18n.t('network.from')), h('th', { scope: 'col' }, i18n.t('network.type')), h('th', { scope: 'col' }, i18n.t('network.to')))),
      h('tbody', null, rows))));
}
