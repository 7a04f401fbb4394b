// SVG network view + an equivalent table of relationships.
import { h, clear } from './dom.js';
import { layoutGraph } from './network.js';

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
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'network', role: 'group', 'aria-label': i18n.t('network.heading') });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 22, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))));
  const edges = s('g', { class: 'edges', 'aria-hidden': 'true' });
  for (const l of graph.links) {
    const a = pos.get(l.source), b = pos.get(l.target);
    edges.append(s('line', { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1), class: 'edge edge-' + l.type, 'marker-end': l.type === 'member_of' ? 'url(#arrow)' : null }));
  }
  svg.append(edges);
  const nodesG = s('g', { class: 'nodes' });
  // labels live in their own aria-hidden layer so that each focusable node's name is exactly its full label
  const labelsG = s('g', { class: 'labels', 'aria-hidden': 'true' });
  for (const n of connected) {
    const p = pos.get(n.id);
    const r = 7 + Math.min(10, n.degree * 1.5);
    const label = n.label.length > 28 ? n.label.slice(0, 27) + '…' : n.label;
    const g = s('g', {
      class: 'node' + (n.inSelection ? '' : ' node-external') + (n.has_alerts ? ' node-alert' : ''),
      transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`, tabindex: 0, role: 'button', 'aria-label': n.label,
      'data-listing': n.id,
      onclick: () => onOpen(n.id),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onOpen(n.id); } },
    }, s('circle', { r }));
    nodesG.append(g);
    labelsG.append(s('text', { x: p.x.toFixed(1), y: (p.y + r + 14).toFixed(1), 'text-anchor': 'middle', class: 'node-label' }, label));
  }
  svg.append(labelsG);
  svg.append(nodesG);
  panel.append(h('div.network-wrap', null, svg));
  panel.append(h('p.legend', null,
    h('span.legend-member', null, '→ ' + i18n.t('network.legend.member')), '  ',
    h('span.legend-partner', null, '┄ ' + i18n.t('network.legend.partner'))));

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
