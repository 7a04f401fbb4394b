// Counts for congress organisers and "gaps" (focus areas with no organisation in a city).

function vals(doc, key) {
  const v = doc[key];
  if (v == null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/** Number of distinct organisations per value of `key` (docs are places; one org may have many). */
export function countBy(docs, key) {
  const m = new Map();
  for (const d of docs) {
    for (const v of vals(d, key)) {
      if (!m.has(v)) m.set(v, new Set());
      m.get(v).add(d.listing_id);
    }
  }
  return [...m.entries()].map(([value, s]) => ({ value, count: s.size }))
    .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
}

/**
 * For every city among `docs`, the focus codes (from `focusCodes`, in vocabulary order) with no organisation there.
 * Returns [{city, country, organisations, missing: [code]}] sorted by number of organisations (desc).
 */
export function gaps(docs, focusCodes) {
  const cities = new Map();
  for (const d of docs) {
    if (!d.city) continue;
    const key = `${d.city}\u0000${d.country || ''}`;
    if (!cities.has(key)) cities.set(key, { city: d.city, country: d.country || null, orgs: new Set(), covered: new Set() });
    const c = cities.get(key);
    c.orgs.add(d.listing_id);
    for (const f of vals(d, 'focus')) c.covered.add(f);
  }
  return [...cities.values()]
    .map((c) => ({ city: c.city, country: c.country, organisations: c.orgs.size, missing: focusCodes.filter((f) => !c.covered.has(f)) }))
    .sort((a, b) => b.organisations - a.organisations || a.city.localeCompare(b.city));
}
