// Clustering inputs: every place of the current filter becomes a point; supercluster never drops points.
import Supercluster from 'supercluster';
import { validGeo } from './geo.js';

/** Convert base hits to GeoJSON points for supercluster (places without coordinates are skipped). */
export function toPoints(docs) {
  const points = [];
  for (const d of docs) {
    if (!validGeo(d._geo)) continue;
    points.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [d._geo.lng, d._geo.lat] },
      properties: { doc_id: d.doc_id, listing_id: d.listing_id, name: d.name, city: d.city, has_alerts: !!d.has_alerts },
    });
  }
  return points;
}

export const CLUSTER_MAX_ZOOM = 16;

/** Cluster places (points mode) or grid cells weighted by their place counts (`weighted`: property `count`). */
export function createClusterIndex(points, { weighted = false } = {}) {
  const options = { radius: 56, maxZoom: CLUSTER_MAX_ZOOM, minPoints: 2 };
  if (weighted) {
    options.map = (p) => ({ count: p.count });
    options.reduce = (acc, p) => { acc.count += p.count; };
  }
  const index = new Supercluster(options);
  index.load(points);
  return index;
}

/** True when all leaves share one position (city-level precision): zooming cannot split them. */
export function samePosition(leaves) {
  if (leaves.length < 2) return true;
  const [x, y] = leaves[0].geometry.coordinates;
  return leaves.every((l) => Math.abs(l.geometry.coordinates[0] - x) < 1e-9 && Math.abs(l.geometry.coordinates[1] - y) < 1e-9);
}

/** Bounds [[south, west], [north, east]] of a set of points, or null. */
export function pointsBounds(points) {
  if (!points.length) return null;
  let s = 90, w = 180, n = -90, e = -180;
  for (const p of points) {
    const [x, y] = p.geometry.coordinates;
    s = Math.min(s, y); n = Math.max(n, y); w = Math.min(w, x); e = Math.max(e, x);
  }
  return [[s, w], [n, e]];
}
