// Client-side facet logic over the base hits (all places of the current search).
// Counts are numbers of distinct organisations (listing_id), computed disjunctively:
// the counts of a group ignore that group's own selection (OR within a group, AND across groups).
import { FACETS } from './search.js';

function values(doc, facet) {
  const v = doc[facet];
  if (v == null) return [];
  return Array.isArray(v) ? v : [v];
}

export function matches(doc, sel, except = null) {
  for (const facet of FACETS) {
    if (facet === except) continue;
    const chosen = sel[facet];
    if (!chosen || chosen.size === 0) continue;
    if (!values(doc, facet).some((v) => chosen.has(v))) return false;
  }
  return true;
}

export function applySelection(docs, sel) {
  return docs.filter((d) => matches(d, sel));
}

/** Returns {facet: [{value, count}]} sorted by count desc, then value; selected values are always present. */
export function facetCounts(docs, sel) {
  const out = {};
  for (const facet of FACETS) {
    const sets = new Map();
    for (const doc of docs) {
      if (!matches(doc, sel, facet)) continue;
      for (const v of values(doc, facet)) {
        if (v === '' ) continue;
        if (!sets.has(v)) sets.set(v, new Set());
        sets.get(v).add(doc.listing_id);
      }
    }
    for (const v of sel[facet] || []) if (!sets.has(v)) sets.set(v, new Set());
    out[facet] = [...sets.entries()]
      .map(([value, s]) => ({ value, count: s.size }))
      .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  }
  return out;
}

/** Meilisearch facetDistribution (counts places, not organisations) as a fallback when the hit set is truncated. */
export function facetCountsFromDistribution(dist, sel) {
  const out = {};
  for (const facet of FACETS) {
    const m = new Map(Object.entries((dist && dist[facet]) || {}));
    for (const v of sel[facet] || []) if (!m.has(v)) m.set(v, 0);
    out[facet] = [...m.entries()].map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  }
  return out;
}

export function countOrganisations(docs) {
  return new Set(docs.map((d) => d.listing_id)).size;
}
