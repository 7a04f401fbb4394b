// Counts for congress organisers and "gaps" (focus areas with no organisation in a city), from Meilisearch facet
// distributions over the organisations' primary documents (buildStatsQueries): exact at any size.
import { facetList } from './search.js';

/** Organisations per value of a facet distribution, sorted by count desc, then value. */
export function countList(dist) {
  return facetList(dist);
}

/**
 * For every city (organisations per city: `cityDist`), the focus codes (from `focusCodes`, in vocabulary order)
 * with no organisation there, from the `city_focus` distribution ("<city>|<focus>" → organisations).
 * Returns [{city, organisations, missing: [code]}] sorted by number of organisations (desc), then city.
 */
export function gaps(cityDist, cityFocusDist, focusCodes) {
  const covered = new Map();
  for (const [pair, n] of Object.entries(cityFocusDist || {})) {
    const i = pair.lastIndexOf('|');
    if (i < 0 || !(n > 0)) continue;
    const city = pair.slice(0, i);
    if (!covered.has(city)) covered.set(city, new Set());
    covered.get(city).add(pair.slice(i + 1));
  }
  return Object.entries(cityDist || {})
    .filter(([, n]) => n > 0)
    .map(([city, n]) => ({ city, organisations: n, missing: focusCodes.filter((f) => !covered.get(city)?.has(f)) }))
    .sort((a, b) => b.organisations - a.organisations || a.city.localeCompare(b.city));
}
