import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { LEVELS, cellId, cellBounds, cellCenter, levelForZoom, coarser, isTruncated, cellPoints, total, fitBounds, tile } from '../src/cells.js';
import { chooseLabels, labelCandidates, minZoom, labelWidth } from '../src/labels.js';
import { createClusterIndex } from '../src/cluster.js';
import { cityNameIndex, createI18n } from '../src/i18n.js';
import gazetteer from '../../protocol/Geo/gazetteer.json';

const vectors = JSON.parse(readFileSync(new URL('../../protocol/Geo/cell-vectors.json', import.meta.url), 'utf8')).vectors;

describe('map cells', () => {
  it('match the vectors shared with the indexer (protocol/Geo/MapCells.cs)', () => {
    expect(vectors.length).toBeGreaterThan(5);
    for (const v of vectors) {
      expect(Object.keys(v.cells).map(Number)).toEqual([...LEVELS]);
      for (const l of LEVELS) expect(cellId(l, v.lat, v.lng)).toBe(v.cells[String(l)]);
    }
  });
  it('a cell holds its own positions, its centre is inside, and levels nest', () => {
    for (const [lat, lng] of [[52.52, 13.41], [-34.6, -58.38], [64.15, -21.94]]) {
      for (const l of LEVELS) {
        const id = cellId(l, lat, lng);
        const b = cellBounds(l, id);
        expect(lat).toBeLessThanOrEqual(b.north); expect(lat).toBeGreaterThanOrEqual(b.south);
        expect(lng).toBeLessThanOrEqual(b.east); expect(lng).toBeGreaterThanOrEqual(b.west);
        expect(cellId(l, cellCenter(l, id).lat, cellCenter(l, id).lng)).toBe(id);
      }
      const t4 = tile(4, lat, lng), t6 = tile(6, lat, lng);
      expect([Math.floor(t6.x / 4), Math.floor(t6.y / 4)]).toEqual([t4.x, t4.y]);
    }
  });
  it('chooses 16–32 px cells for a zoom and falls back to coarser levels', () => {
    expect(levelForZoom(2)).toBe(6);
    expect(levelForZoom(3)).toBe(6);
    expect(levelForZoom(4.5)).toBe(8);
    expect(levelForZoom(13)).toBe(16);
    expect(levelForZoom(0)).toBe(4);
    expect(coarser(8)).toBe(6);
    expect(coarser(4)).toBeNull();
    expect(isTruncated({ a: 1 }, 2)).toBe(false);
    expect(isTruncated({ a: 1, b: 1 }, 2)).toBe(true);
  });
  it('cell counts become weighted points whose clusters add up to every place', () => {
    const values = { [cellId(8, 52.52, 13.41)]: 120, [cellId(8, 52.4, 13.05)]: 3, [cellId(8, 41.72, 44.78)]: 7 };
    const pts = cellPoints(8, values);
    expect(pts).toHaveLength(3);
    expect(total(values)).toBe(130);
    const index = createClusterIndex(pts, { weighted: true });
    for (const z of [2, 5, 8, 12]) {
      const clusters = index.getClusters([-180, -85, 180, 85], z);
      expect(clusters.reduce((n, c) => n + c.properties.count, 0)).toBe(130);
    }
  });
  it('fits the map to the cells of the places (fine cells unless cut)', () => {
    const b = fitBounds({ cell_8: { [cellId(8, 52.52, 13.41)]: 2 }, cell_4: { [cellId(4, 52.52, 13.41)]: 2 } });
    expect(b[0][0]).toBeLessThan(52.52); expect(b[1][0]).toBeGreaterThan(52.52);
    expect(b[1][1] - b[0][1]).toBeCloseTo(360 / 256, 6);
    expect(fitBounds({})).toBeNull();
  });
});

describe('place labels', () => {
  const project = (lat, lng) => ({ x: (lng + 180) * 4, y: (90 - lat) * 4 });
  const view = { width: 1440, height: 720 };
  it('capitals with organisations first; overlapping labels are left out; small zooms show fewer', () => {
    const c = [
      { name: 'Berlin', lat: 52.52, lng: 13.4, capital: true, hasOrgs: true },
      { name: 'Potsdam-ish', lat: 52.4, lng: 13.06, capital: false, hasOrgs: true },
      { name: 'Moscow', lat: 55.76, lng: 37.62, capital: true, hasOrgs: false },
      { name: 'Nowhere', lat: 0, lng: 0, capital: false, hasOrgs: false },
    ];
    expect(chooseLabels(c, { zoom: 3, project, view }).map((l) => l.name)).toEqual(['Berlin']);
    expect(chooseLabels(c, { zoom: 6, project, view }).map((l) => l.name)).toEqual(['Berlin', 'Moscow']);
    const far = (lat, lng) => ({ x: (lng - 13) * 400 + 200, y: (53 - lat) * 400 + 200 });
    expect(chooseLabels(c, { zoom: 9, project: far, view }).map((l) => l.name).sort()).toEqual(['Berlin', 'Potsdam-ish']);
    expect(minZoom({ capital: false, hasOrgs: false })).toBe(Infinity);
    expect(labelWidth('Berlin')).toBeGreaterThan(40);
  });
  it('no two chosen labels overlap', () => {
    const many = gazetteer.cities.map((g) => ({ name: g.names.ru, lat: g.lat, lng: g.lon, capital: !!g.capital, hasOrgs: true }));
    for (const zoom of [3, 5, 7]) {
      const s = 2 ** zoom;
      const chosen = chooseLabels(many, { zoom, project: (lat, lng) => ({ x: (lng + 180) * s - 200 * s + 700, y: (90 - lat) * s - 35 * s + 400 }), view });
      for (const a of chosen) for (const b of chosen) {
        if (a === b) continue;
        const apart = a.box.x + a.box.w <= b.box.x || b.box.x + b.box.w <= a.box.x || a.box.y + a.box.h <= b.box.y || b.box.y + b.box.h <= a.box.y;
        expect(apart).toBe(true);
      }
    }
  });
  it('candidates come from the gazetteer in the UI language', () => {
    const i18n = createI18n('ru', { gazetteer });
    const cands = labelCandidates(gazetteer, new Set(['Tbilisi', 'Munich']), i18n.city);
    const names = cands.map((c) => c.name);
    expect(names).toContain('Тбилиси');
    expect(names).toContain('Мюнхен');
    expect(names).toContain('Москва'); // a capital without organisations
    expect(names).not.toContain('Гамбург');
    expect(createI18n('de', { gazetteer }).city('Tbilisi')).toBe('Tiflis');
    expect(createI18n('uk', { gazetteer }).city('Unknown Town')).toBe('Unknown Town');
    expect(cityNameIndex(gazetteer).get('Kyiv')).toEqual({ en: 'Kyiv', ru: 'Киев', uk: 'Київ', de: 'Kiew' });
  });
});
