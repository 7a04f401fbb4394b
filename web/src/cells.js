// Map grid cells (pure): the Web Mercator tile that holds a place, at the levels the indexer stores in every
// search document (`cell_4` … `cell_16`, see docs/search-documents.md). The map asks Meilisearch for the facet
// distribution of one level over the visible box and draws clusters from the counts, so an answer is as big as
// the screen, not as the directory. Same arithmetic as protocol/Geo/MapCells.cs (shared test vectors).

export const LEVELS = Object.freeze([4, 6, 8, 10, 12, 14, 16]);
export const MAX_LATITUDE = 85.05112878;
/** Must equal faceting.maxValuesPerFacet of the index: an answer with this many values may be cut. */
export const MAX_FACET_VALUES = 10000;

export const cellField = (level) => `cell_${level}`;

/** Tile column and row of a position (row 0 at the north edge). */
export function tile(level, lat, lng) {
  const n = 2 ** level;
  const rad = (Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, lat)) * Math.PI) / 180;
  const x = Math.floor(((lng + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  const clamp = (v) => Math.max(0, Math.min(n - 1, v));
  return { x: clamp(x), y: clamp(y) };
}

export function cellId(level, lat, lng) {
  const { x, y } = tile(level, lat, lng);
  return `${x}_${y}`;
}

function parse(id) {
  const m = /^(\d+)_(\d+)$/.exec(String(id));
  if (!m) throw new TypeError('not a cell id: ' + id);
  return { x: Number(m[1]), y: Number(m[2]) };
}

const lngOf = (x, n) => (x / n) * 360 - 180;
const latOf = (y, n) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;

/** {north, south, east, west} of a cell. */
export function cellBounds(level, id) {
  const { x, y } = parse(id);
  const n = 2 ** level;
  return { north: latOf(y, n), south: latOf(y + 1, n), west: lngOf(x, n), east: lngOf(x + 1, n) };
}

/** Centre of a cell (in Mercator, so it is the centre on screen). */
export function cellCenter(level, id) {
  const { x, y } = parse(id);
  const n = 2 ** level;
  return { lat: latOf(y + 0.5, n), lng: lngOf(x + 0.5, n) };
}

/** The stored level whose cells are 16–32 px at this map zoom (256 px tiles). */
export function levelForZoom(zoom) {
  const want = Math.floor(zoom) + 4;
  let best = LEVELS[0];
  for (const l of LEVELS) if (l <= want) best = l;
  return best;
}

/** The next coarser stored level, or null. */
export function coarser(level) {
  const i = LEVELS.indexOf(level);
  return i > 0 ? LEVELS[i - 1] : null;
}

/** True when a facet answer may have been cut at maxValuesPerFacet (then ask a coarser level). */
export function isTruncated(values, max = MAX_FACET_VALUES) {
  return Object.keys(values || {}).length >= max;
}

/** Facet distribution of a cell level → weighted GeoJSON points (property `count`) for supercluster. */
export function cellPoints(level, values) {
  const out = [];
  for (const [id, count] of Object.entries(values || {})) {
    if (!(count > 0)) continue;
    const c = cellCenter(level, id);
    out.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [c.lng, c.lat] }, properties: { cell: id, level, count } });
  }
  return out;
}

/** Sum of the counts of a facet distribution. */
export function total(values) {
  let n = 0;
  for (const v of Object.values(values || {})) n += v;
  return n;
}

/**
 * Bounds [[south, west], [north, east]] of the places of a search from its coarse cell facets (`cell_8`, else
 * `cell_4` when the finer answer may be cut), for fitting the map; null when there is no place.
 */
export function fitBounds(facetDistribution) {
  const fine = facetDistribution?.cell_8;
  const [level, values] = fine && !isTruncated(fine) ? [8, fine] : [4, facetDistribution?.cell_4];
  let s = 90, w = 180, n = -90, e = -180, any = false;
  for (const [id, count] of Object.entries(values || {})) {
    if (!(count > 0)) continue;
    const b = cellBounds(level, id);
    s = Math.min(s, b.south); n = Math.max(n, b.north); w = Math.min(w, b.west); e = Math.max(e, b.east);
    any = true;
  }
  return any ? [[s, w], [n, e]] : null;
}
