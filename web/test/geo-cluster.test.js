import { describe, it, expect } from 'vitest';
import { roundCoord, roundPosition, distanceKm, unwrapRing, validGeo } from '../src/geo.js';
import { toPoints, createClusterIndex, samePosition, pointsBounds } from '../src/cluster.js';

describe('near me rounding', () => {
  it('rounds to 0.1° before anything leaves the browser', () => {
    expect(roundCoord(52.5234)).toBe(52.5);
    expect(roundCoord(13.4114)).toBe(13.4);
    expect(roundCoord(13.45)).toBe(13.5);
    expect(roundCoord(-0.04)).toBe(0);
    expect(roundCoord(0.1 + 0.2)).toBe(0.3);
    expect(roundPosition({ latitude: 41.7151, longitude: 44.8271 })).toEqual({ lat: 41.7, lng: 44.8 });
    expect(roundPosition({ latitude: 89.99, longitude: 179.99 })).toEqual({ lat: 90, lng: 180 });
    expect(() => roundCoord(NaN)).toThrow();
  });
  it('never leaks more than one decimal', () => {
    for (let i = 0; i < 200; i++) {
      const p = roundPosition({ latitude: Math.random() * 180 - 90, longitude: Math.random() * 360 - 180 });
      expect(String(p.lat)).toMatch(/^-?\d+(\.\d)?$/);
      expect(String(p.lng)).toMatch(/^-?\d+(\.\d)?$/);
    }
  });
  it('distance', () => {
    expect(distanceKm({ lat: 52.52, lng: 13.405 }, { lat: 48.8566, lng: 2.3522 })).toBeCloseTo(878, -1);
  });
});

describe('antimeridian', () => {
  it('unwraps rings that jump across ±180', () => {
    expect(unwrapRing([[170, 60], [179, 61], [-179, 62], [-170, 63]])).toEqual([[170, 60], [179, 61], [181, 62], [190, 63]]);
    expect(unwrapRing([[10, 1], [20, 2]])).toEqual([[10, 1], [20, 2]]);
  });
});

describe('clustering inputs', () => {
  const docs = [
    { doc_id: 'a_0', listing_id: 'a', _geo: { lat: 52.52, lng: 13.405 }, name: { en: 'A' }, city: 'Berlin' },
    { doc_id: 'a_1', listing_id: 'a', _geo: { lat: 41.7, lng: 44.8 }, name: { en: 'A' }, city: 'Tbilisi' },
    { doc_id: 'b_0', listing_id: 'b', _geo: { lat: 52.52, lng: 13.405 }, name: { en: 'B' }, city: 'Berlin', has_alerts: true },
    { doc_id: 'c_0', listing_id: 'c', name: { en: 'online only' } },
    { doc_id: 'd_0', listing_id: 'd', _geo: { lat: 'x', lng: 2 } },
    { doc_id: 'e_0', listing_id: 'e', _geo: { lat: 95, lng: 2 } },
  ];
  it('one point per place with coordinates; invalid/absent skipped', () => {
    const pts = toPoints(docs);
    expect(pts.map((p) => p.properties.doc_id)).toEqual(['a_0', 'a_1', 'b_0']);
    expect(pts[0].geometry.coordinates).toEqual([13.405, 52.52]);
    expect(pts[2].properties.has_alerts).toBe(true);
    expect(validGeo({ lat: 0, lng: 0 })).toBe(true);
  });
  it('supercluster keeps every point (no cap) and detects unsplittable clusters', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ doc_id: `x${i}`, listing_id: `x${i}`, _geo: { lat: 52.52, lng: 13.405 }, name: {} }));
    const idx = createClusterIndex(toPoints(many));
    const world = idx.getClusters([-180, -85, 180, 85], 2);
    expect(world.reduce((s, c) => s + (c.properties.point_count || 1), 0)).toBe(5000);
    const leaves = idx.getLeaves(world[0].properties.cluster_id, Infinity);
    expect(leaves.length).toBe(5000);
    expect(samePosition(leaves)).toBe(true);
    expect(samePosition(toPoints(docs))).toBe(false);
  });
  it('bounds of points', () => {
    expect(pointsBounds(toPoints(docs))).toEqual([[41.7, 13.405], [52.52, 44.8]]);
    expect(pointsBounds([])).toBeNull();
  });
});
