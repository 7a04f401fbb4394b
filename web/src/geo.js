// Geometry helpers. "Near me" never uses the precise position: it is rounded in the browser first.

/** Round a coordinate to a grid step (default 0.1° ≈ 11 km of latitude). */
export function roundCoord(x, step = 0.1) {
  const n = Number(x);
  if (!Number.isFinite(n)) throw new TypeError('coordinate must be a finite number');
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  const inv = Math.round(1 / step); // 10 for 0.1: multiply instead of dividing by an inexact float
  const r = Number((Math.round(n * inv) / inv).toFixed(decimals));
  return Object.is(r, -0) ? 0 : r;
}

/** Round a position {latitude, longitude} (GeolocationCoordinates-like) to {lat, lng}; clamps to valid ranges. */
export function roundPosition(coords, step = 0.1) {
  const lat = Math.max(-90, Math.min(90, roundCoord(coords.latitude ?? coords.lat, step)));
  let lng = roundCoord(coords.longitude ?? coords.lng, step);
  if (lng > 180) lng -= 360;
  if (lng < -180) lng += 360;
  return { lat, lng: roundCoord(lng, step) };
}

export function validGeo(g) {
  return !!g && Number.isFinite(g.lat) && Number.isFinite(g.lng) && Math.abs(g.lat) <= 90 && Math.abs(g.lng) <= 180;
}

/** Great-circle distance in km. */
export function distanceKm(a, b) {
  const R = 6371.0088;
  const toRad = (d) => (d * Math.PI) / 180;
  const dLat = toRad(b.lat - a.lat), dLng = toRad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Make polygon rings continuous across the antimeridian (world-atlas rings jump from +180 to −180),
 * so Leaflet does not draw streaks across the map. Rings are unwrapped in place-independent copies.
 */
export function unwrapRing(ring) {
  const out = [];
  let offset = 0, prev = null;
  for (const [lng, lat] of ring) {
    if (prev !== null) {
      const d = lng + offset - prev;
      if (d > 180) offset -= 360; else if (d < -180) offset += 360;
    }
    const x = lng + offset;
    out.push([x, lat]);
    prev = x;
  }
  return out;
}

export function unwrapGeometry(geometry) {
  if (!geometry) return geometry;
  if (geometry.type === 'Polygon') return { ...geometry, coordinates: geometry.coordinates.map(unwrapRing) };
  if (geometry.type === 'MultiPolygon') {
    return { ...geometry, coordinates: geometry.coordinates.map((poly) => poly.map(unwrapRing)) };
  }
  return geometry;
}
