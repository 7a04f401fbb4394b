// Basemap place labels (pure): which city names to draw at a zoom without overlapping each other.
// Candidates are gazetteer cities that are capitals or have organisations; names are in the UI language.

/** Lowest zoom at which a city's label is drawn. */
export function minZoom({ capital, hasOrgs }) {
  if (capital && hasOrgs) return 3;
  if (hasOrgs) return 5;
  if (capital) return 4;
  return Infinity;
}

/** Approximate label box width in px for a 12 px system font (no DOM measurement: pure and testable). */
export function labelWidth(text) {
  return Math.ceil(String(text).length * 6.6) + 12;
}

export const LABEL_HEIGHT = 16;

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * Choose labels: candidates [{name, lat, lng, capital, hasOrgs}], project(lat, lng) → {x, y} in screen px,
 * view {width, height}. Capitals with organisations first, then cities with organisations, then other
 * capitals; a label that would overlap one already chosen is left out. Returns [{...candidate, x, y, box}].
 */
export function chooseLabels(candidates, { zoom, project, view }) {
  const rank = (c) => (c.capital && c.hasOrgs ? 0 : c.hasOrgs ? 1 : 2);
  const sorted = candidates
    .filter((c) => zoom >= minZoom(c))
    .sort((a, b) => rank(a) - rank(b) || String(a.name).localeCompare(String(b.name)));
  const chosen = [];
  for (const c of sorted) {
    const p = project(c.lat, c.lng);
    // the label sits to the right of the city's dot, vertically centred
    const box = { x: p.x - 3, y: p.y - LABEL_HEIGHT / 2, w: labelWidth(c.name) + 6, h: LABEL_HEIGHT };
    if (box.x + box.w < 0 || box.y + box.h < 0 || box.x > view.width || box.y > view.height) continue;
    if (chosen.some((o) => overlaps(o.box, box))) continue;
    chosen.push({ ...c, x: p.x, y: p.y, box });
  }
  return chosen;
}

/** Label candidates from the gazetteer: capitals and cities with organisations, named in the UI language. */
export function labelCandidates(gazetteer, citiesWithOrgs, cityName) {
  const out = [];
  for (const c of (gazetteer && gazetteer.cities) || []) {
    const hasOrgs = citiesWithOrgs.has(c.name);
    if (!c.capital && !hasOrgs) continue;
    out.push({ name: cityName(c.name), key: c.name, lat: c.lat, lng: c.lon, capital: !!c.capital, hasOrgs });
  }
  return out;
}
