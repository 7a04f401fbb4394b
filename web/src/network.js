// Network graph of organisations (member_of / partner_of) and a small deterministic force layout.
import { pickText } from './i18n.js';

export const REL_TYPES = Object.freeze(['member_of', 'partner_of']);

/**
 * Build nodes and links from organisation documents (one per listing). Targets outside the selection become
 * "external" nodes labelled with target_name. partner_of is symmetric (deduplicated), member_of is directed.
 */
export function buildGraph(orgs, chain = ['en']) {
  const nodes = new Map();
  for (const o of orgs) {
    if (!o.listing_id || nodes.has(o.listing_id)) continue;
    nodes.set(o.listing_id, {
      id: o.listing_id, label: pickText(o.name, chain)?.text || o.listing_id, inSelection: true,
      has_alerts: !!o.has_alerts, focus: o.focus || [], degree: 0,
    });
  }
  const links = [];
  const seen = new Set();
  for (const o of orgs) {
    for (const r of o.relationships || []) {
      if (!r || !REL_TYPES.includes(r.type) || !r.target || r.target === o.listing_id) continue;
      if (!nodes.has(r.target)) {
        nodes.set(r.target, { id: r.target, label: pickText(r.target_name, chain)?.text || r.target, inSelection: false, has_alerts: false, focus: [], degree: 0 });
      } else if (!nodes.get(r.target).inSelection && r.target_name && nodes.get(r.target).label === r.target) {
        nodes.get(r.target).label = pickText(r.target_name, chain)?.text || r.target;
      }
      const key = r.type === 'partner_of'
        ? `partner_of|${[o.listing_id, r.target].sort().join('|')}`
        : `member_of|${o.listing_id}|${r.target}`;
      if (seen.has(key)) continue;
      seen.add(key);
      links.push({ source: o.listing_id, target: r.target, type: r.type });
      nodes.get(o.listing_id).degree++;
      nodes.get(r.target).degree++;
    }
  }
  return { nodes: [...nodes.values()], links };
}

/** Deterministic layout: circle start, then a few hundred iterations of a simple force simulation. */
export function layoutGraph(graph, { width = 800, height = 600, iterations = 300 } = {}) {
  const n = graph.nodes.length;
  const cx = width / 2, cy = height / 2;
  const radius = Math.min(width, height) * 0.4;
  const pos = new Map();
  graph.nodes.forEach((node, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, n);
    pos.set(node.id, { x: cx + radius * Math.cos(a), y: cy + radius * Math.sin(a), vx: 0, vy: 0 });
  });
  if (n <= 1 || n > 600) {
    if (n === 1) Object.assign(pos.get(graph.nodes[0].id), { x: cx, y: cy });
    return pos;
  }
  const ideal = Math.max(40, Math.sqrt((width * height) / n) * 0.7);
  const list = graph.nodes.map((nd) => pos.get(nd.id));
  for (let it = 0; it < iterations; it++) {
    const temp = 1 - it / iterations;
    for (let i = 0; i < n; i++) {
      const p = list[i];
      for (let j = i + 1; j < n; j++) {
        const q = list[j];
        let dx = p.x - q.x, dy = p.y - q.y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 0.01) { dx = 0.1 * (i - j); dy = 0.1; d2 = dx * dx + dy * dy; }
        const f = (ideal * ideal) / d2;
        p.vx += dx * f * 0.05; p.vy += dy * f * 0.05;
        q.vx -= dx * f * 0.05; q.vy -= dy * f * 0.05;
      }
    }
    for (const l of graph.links) {
      const p = pos.get(l.source), q = pos.get(l.target);
      const dx = q.x - p.x, dy = q.y - p.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 0.01;
      const f = ((d - ideal) / d) * 0.1;
      p.vx += dx * f; p.vy += dy * f; q.vx -= dx * f; q.vy -= dy * f;
    }
    for (const p of list) {
      p.vx += (cx - p.x) * 0.01; p.vy += (cy - p.y) * 0.01;
      const maxStep = 30 * temp + 1;
      const v = Math.sqrt(p.vx * p.vx + p.vy * p.vy);
      const s = v > maxStep ? maxStep / v : 1;
      p.x += p.vx * s; p.y += p.vy * s;
      p.vx *= 0.5; p.vy *= 0.5;
    }
  }
  // fit into the box with a margin
  const margin = 60;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const p of list) { minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
  const sx = (width - 2 * margin) / Math.max(1, maxX - minX), sy = (height - 2 * margin) / Math.max(1, maxY - minY);
  const s = Math.min(sx, sy);
  for (const p of list) {
    p.x = margin + (p.x - minX) * s + ((width - 2 * margin) - (maxX - minX) * s) / 2;
    p.y = margin + (p.y - minY) * s + ((height - 2 * margin) - (maxY - minY) * s) / 2;
  }
  return pos;
}

/** Ids of a node's neighbours (either direction, any relationship type), the node itself included. */
export function neighbourhood(graph, id) {
  const ids = new Set([id]);
  for (const l of graph.links) {
    if (l.source === id) ids.add(l.target);
    if (l.target === id) ids.add(l.source);
  }
  return ids;
}

const fold = (s) => String(s || '').normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();

/** Nodes whose label contains every word of the query (case and diacritics ignored), best first: labels that
 * start with the query, then by degree, then alphabetically. */
export function matchNodes(nodes, query, limit = 10) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const q = fold(query).trim();
  return nodes
    .map((n) => ({ n, label: fold(n.label) }))
    .filter(({ label }) => words.every((w) => label.includes(w)))
    .sort((a, b) => (b.label.startsWith(q) - a.label.startsWith(q)) || (b.n.degree - a.n.degree) || a.label.localeCompare(b.label))
    .slice(0, limit)
    .map(({ n }) => n);
}

const overlaps = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Greedy label placement without overlaps. items: [{ id, x, y, r, width, priority }] in one coordinate system
 * (width: the label's width, height: `height`, both in that system, i.e. already divided by the zoom). Each label
 * tries below, above, right and left of its node; it is placed at the first spot that overlaps no placed label
 * and no node circle (and lies inside `bounds`, when given), else hidden; an item with `force` (the organisation searched for) may cover circles. Higher
 * priority (e.g. highlighted, then degree) places first.
 * Returns Map id → { x, y, anchor } (text anchor point: 'middle' | 'start' | 'end', y is the baseline).
 */
export function placeLabels(items, { height = 12, gap = 3, bounds = null } = {}) {
  const placed = [];
  const circles = items.map((it) => ({ x0: it.x - it.r, x1: it.x + it.r, y0: it.y - it.r, y1: it.y + it.r, id: it.id }));
  const out = new Map();
  const order = [...items].sort((a, b) => (b.priority - a.priority) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const it of order) {
    const w = it.width, r = it.r;
    const spots = [
      { x0: it.x - w / 2, y0: it.y + r + gap, anchor: 'middle', ax: it.x },
      { x0: it.x - w / 2, y0: it.y - r - gap - height, anchor: 'middle', ax: it.x },
      { x0: it.x + r + gap, y0: it.y - height / 2, anchor: 'start', ax: it.x + r + gap },
      { x0: it.x - r - gap - w, y0: it.y - height / 2, anchor: 'end', ax: it.x - r - gap },
    ];
    const boxOf = (s) => ({ x0: s.x0, x1: s.x0 + w, y0: s.y0, y1: s.y0 + height });
    // inside the visible box when one is given (a label cut by the edge cannot be read)
    const inside = (box) => !bounds || (box.x0 >= bounds.x0 && box.x1 <= bounds.x1 && box.y0 >= bounds.y0 && box.y1 <= bounds.y1);
    const free = (box, withCircles) => inside(box) && !placed.some((p) => overlaps(p, box)) && !(withCircles && circles.some((c) => c.id !== it.id && overlaps(c, box)));
    // a forced label (the organisation searched for) may cover other circles, never another label
    const spot = spots.find((s) => free(boxOf(s), true)) || (it.force ? spots.find((s) => free(boxOf(s), false)) : null);
    if (!spot) continue;
    const box = boxOf(spot);
    placed.push(box);
    // baseline ≈ 80 % down the box for a Latin/Cyrillic font
    out.set(it.id, { x: spot.ax, y: box.y0 + height * 0.8, anchor: spot.anchor });
  }
  return out;
}
