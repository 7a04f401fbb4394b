import { describe, it, expect } from 'vitest';
import { buildGraph, layoutGraph, neighbourhood, matchNodes, placeLabels } from '../src/network.js';

const overlap = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
function boxOf(item, at, height) {
  const x0 = at.anchor === 'middle' ? at.x - item.width / 2 : at.anchor === 'start' ? at.x : at.x - item.width;
  const y0 = at.y - height * 0.8;
  return { x0, x1: x0 + item.width, y0, y1: y0 + height };
}

/** 200 organisations in 10 umbrella networks, each a member of one and a partner of the next (deterministic). */
function bigNetwork(n = 200) {
  const orgs = [];
  for (let i = 0; i < n; i++) {
    const rel = [];
    if (i >= 10) rel.push({ type: 'member_of', target: `org-${i % 10}` });
    if (i > 0 && i % 3 === 0) rel.push({ type: 'partner_of', target: `org-${i - 1}` });
    orgs.push({ listing_id: `org-${i}`, name: { en: `Initiative number ${i}` }, relationships: rel });
  }
  return buildGraph(orgs, ['en']);
}

describe('network readable at 200 organisations', () => {
  it('placeLabels never overlaps two labels or a label and another node, at any zoom', { timeout: 60000 }, () => {
    const g = bigNetwork();
    const pos = layoutGraph(g, { width: 900, height: 900 });
    for (const zoom of [1, 2, 4, 8]) {
      const height = 15 / zoom;
      const items = g.nodes.map((nd) => ({ id: nd.id, ...pos.get(nd.id), r: 7, width: nd.label.length * 7 / zoom, priority: nd.degree }));
      const placed = placeLabels(items, { height, gap: 2 / zoom });
      const boxes = [...placed].map(([id, at]) => ({ id, ...boxOf(items.find((i) => i.id === id), at, height) }));
      const violations = [];
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i], boxes[j])) violations.push(`${boxes[i].id} × ${boxes[j].id}`);
        for (const it of items) {
          if (it.id !== boxes[i].id && overlap(boxes[i], { x0: it.x - it.r, x1: it.x + it.r, y0: it.y - it.r, y1: it.y + it.r })) violations.push(`${boxes[i].id} over node ${it.id}`);
        }
      }
      expect(violations, `zoom ${zoom}`).toEqual([]);
      if (zoom === 1) expect(placed.size).toBeGreaterThan(0);
      if (zoom === 8) expect(placed.size).toBe(g.nodes.length); // zoomed in far enough, every name fits
    }
  });

  it('places higher priority first: the highlighted node always gets its label', () => {
    const items = [
      { id: 'a', x: 100, y: 100, r: 5, width: 80, priority: 1 },
      { id: 'b', x: 110, y: 100, r: 5, width: 80, priority: 1000 },
    ];
    const placed = placeLabels(items, { height: 12 });
    expect(placed.has('b')).toBe(true);
    expect(placeLabels(items.map((i) => ({ ...i, priority: i.id === 'a' ? 2000 : 1 })), { height: 12 }).has('a')).toBe(true);
  });

  it('keeps every label inside the given bounds (the visible box)', () => {
    const items = [{ id: 'edge', x: 2, y: 50, r: 4, width: 60, priority: 1 }, { id: 'mid', x: 100, y: 50, r: 4, width: 60, priority: 1 }];
    const placed = placeLabels(items, { height: 12, bounds: { x0: 0, x1: 200, y0: 0, y1: 100 } });
    expect(placed.has('mid')).toBe(true);
    const at = placed.get('edge');
    if (at) expect(boxOf(items[0], at, 12).x0).toBeGreaterThanOrEqual(0); // right of the node, never cut by the edge
    expect(placeLabels([{ id: 'out', x: 5, y: 5, r: 4, width: 300, priority: 1 }], { height: 12, bounds: { x0: 0, x1: 100, y0: 0, y1: 100 } }).size).toBe(0);
  });

  it('is deterministic', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, x: (i * 37) % 300, y: (i * 53) % 300, r: 6, width: 60, priority: i % 4 }));
    expect([...placeLabels(items)]).toEqual([...placeLabels(items)]);
  });

  it('neighbourhood: the node and everything linked to it, either direction', () => {
    const g = bigNetwork();
    expect([...neighbourhood(g, 'org-3')].sort()).toEqual(['org-13', 'org-2', 'org-23', 'org-3', 'org-33', 'org-43', 'org-53', 'org-63', 'org-73', 'org-83', 'org-93',
      'org-103', 'org-113', 'org-123', 'org-133', 'org-143', 'org-153', 'org-163', 'org-173', 'org-183', 'org-193', 'org-4'].sort().filter((id) => g.links.some((l) => (l.source === 'org-3' && l.target === id) || (l.target === 'org-3' && l.source === id)) || id === 'org-3'));
    expect(neighbourhood(g, 'org-3').has('org-3')).toBe(true);
    expect(neighbourhood(g, 'org-57')).toEqual(new Set(['org-57', 'org-7', 'org-56']));
  });

  it('matchNodes: every word, case and diacritics ignored, prefix matches first', () => {
    const nodes = [
      { id: '1', label: 'Ковчег', degree: 1 }, { id: '2', label: 'Free Russia Foundation', degree: 5 },
      { id: '3', label: 'Foundation for Free Speech', degree: 9 }, { id: '4', label: 'Café Exil', degree: 0 },
    ];
    expect(matchNodes(nodes, 'ковч').map((n) => n.id)).toEqual(['1']);
    expect(matchNodes(nodes, 'free foundation').map((n) => n.id)).toEqual(['3', '2']);
    expect(matchNodes(nodes, 'free').map((n) => n.id)).toEqual(['2', '3']);
    expect(matchNodes(nodes, 'foundation').map((n) => n.id)).toEqual(['3', '2']);
    expect(matchNodes(nodes, 'cafe').map((n) => n.id)).toEqual(['4']);
    expect(matchNodes(nodes, '   ')).toEqual([]);
    expect(matchNodes(nodes, 'nothing')).toEqual([]);
  });
});
