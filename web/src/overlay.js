// The recent index (fast edits): pure functions that put a small second index's answers into the big index's
// answers (no DOM, no fetch; the client in search.js sends the queries). docs/web.md "The recent index (fast edits)".
//
// Behind the token proxy the two indexes are DISJOINT by listing_id: the token filters a listing that is in the
// recent index OUT of the big index and the recent index down to exactly those listings. So every query on the big
// index gets a "twin" on the recent index, and the union of both answers is the answer.
//
// Exactness: for disjoint sets, counts, facets and totals add up exactly, and the hits of a page are exactly those
// of the merged order below. The merged order is ours where Meilisearch would break a tie: Meilisearch orders hits
// of equal ranking score (or equal sort value) by internal document id, which means nothing across two indexes, so
// a recent hit comes BEFORE the big hits it ties with. Also, with a text query and a sort, Meilisearch orders by the
// relevance rules up to `sort` (default ranking rules: words, typo, proximity, attribute), then sort, then
// exactness, while we compare the ranking score (which includes exactness but not sort) and then the sort: the two
// agree unless two hits are in the same relevance bucket before `sort` but differ in exactness. The merge never
// reorders hits of one index among themselves (it interleaves two lists Meilisearch sorted).

/**
 * How many recent hits a twin asks for: more than the listings the recent index is meant to hold at once. Were more
 * to match, the hits past the cap would be missing from pages (counts, totals and facets would still include them).
 */
export const RECENT_CAP = 100;

const DEFAULT_PAGE_SIZE = 20; // Meilisearch's default `limit` and `hitsPerPage`

/** Does the query use page/hitsPerPage (exhaustive totalHits) rather than offset/limit? */
export function isPaged(query) {
  return query.page != null || query.hitsPerPage != null;
}

/**
 * The hits a query asks for, as a window of the result order: {start, size, paged}.
 * Page mode: start = (page - 1) × hitsPerPage, size = hitsPerPage; limit mode: start = offset, size = limit.
 */
export function hitWindow(query) {
  if (isPaged(query)) {
    const size = Math.max(0, Number(query.hitsPerPage ?? DEFAULT_PAGE_SIZE));
    const page = Number(query.page ?? 1);
    if (page < 1) return { start: 0, size: 0, paged: true }; // Meilisearch answers page 0 with no hits
    return { start: (page - 1) * size, size, paged: true };
  }
  return { start: Math.max(0, Number(query.offset ?? 0)), size: Math.max(0, Number(query.limit ?? DEFAULT_PAGE_SIZE)), paged: false };
}

/**
 * A query's sort, parsed: [{geo: true, desc}] for `_geoPoint(lat, lng):asc|desc`, [{attr, desc}] for `attr:asc|desc`.
 */
export function sortKeys(query) {
  const out = [];
  for (const s of Array.isArray(query.sort) ? query.sort : []) {
    const str = String(s);
    const i = str.lastIndexOf(':');
    const name = i < 0 ? str : str.slice(0, i);
    const desc = i >= 0 && str.slice(i + 1).trim() === 'desc';
    if (/^_geoPoint\s*\(/.test(name)) out.push({ geo: true, desc });
    else out.push({ attr: name.trim(), desc });
  }
  return out;
}

/** Plain sort attributes that `attributesToRetrieve` leaves out (needed in the hits to compare across indexes). */
function missingSortAttributes(query) {
  const attrs = query.attributesToRetrieve;
  if (!Array.isArray(attrs) || attrs.includes('*')) return [];
  return sortKeys(query).filter((k) => !k.geo && !attrs.includes(k.attr)).map((k) => k.attr)
    .filter((a, i, all) => all.indexOf(a) === i);
}

const hasText = (query) => String(query.q ?? '').trim() !== '';

function byScore(a, b) {
  return (b._rankingScore ?? 0) - (a._rankingScore ?? 0);
}

function byDistance(desc) {
  return (a, b) => {
    const d = (a._geoDistance ?? Infinity) - (b._geoDistance ?? Infinity);
    return (Number.isNaN(d) ? 0 : d) * (desc ? -1 : 1);
  };
}

/** Attribute order as Meilisearch sorts (approximately): numbers before strings, documents without the value last. */
function byAttribute(attr, desc) {
  const kind = (v) => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : 2);
  return (a, b) => {
    const x = a[attr], y = b[attr];
    const kx = kind(x), ky = kind(y);
    if (kx === 2 || ky === 2) return kx === ky ? 0 : kx - ky; // missing last in both directions
    const c = kx !== ky ? kx - ky : x < y ? -1 : x > y ? 1 : 0;
    return desc ? -c : c;
  };
}

/**
 * The order two hits of a query's answers are merged in (negative: `a` first; 0: a tie). Without `sort`:
 * `_rankingScore` descending. With `sort` and an empty `q`: the sort (`_geoDistance` for `_geoPoint(…)`, else the
 * attribute). With `sort` and a text `q`: `_rankingScore` descending, then the sort.
 */
export function hitComparator(query) {
  const keys = sortKeys(query);
  const rules = [];
  if (!keys.length || hasText(query)) rules.push(byScore);
  for (const k of keys) rules.push(k.geo ? byDistance(k.desc) : byAttribute(k.attr, k.desc));
  return (a, b) => {
    for (const rule of rules) {
      const d = rule(a, b);
      if (d) return d;
    }
    return 0;
  };
}

/** Does the query ask for hits (not only counts and facets)? */
export function wantsHits(query) {
  return hitWindow(query).size > 0;
}

/**
 * Twin every query on `index` with a query on `recentIndex`: the same query (q, filter, facets, sort, distinct,
 * attributesToRetrieve, matchingStrategy…) with `offset: 0`, `limit: cap` (0 when the original asks for no hits),
 * no page/hitsPerPage, and `showRankingScore: true`. An original that asks for hits gets `showRankingScore: true`
 * too, and any plain sort attribute its `attributesToRetrieve` leaves out (both are stripped again by mergeTwin).
 * Queries on other indexes (the signed index) are sent as they are.
 * Returns {queries: what to send, plan: one entry per original query (mergeTwin, followUpQuery and overlayResults
 * read it): {original, sent, big, recent, added}} where `big`/`recent` are positions in `queries` (recent -1: no twin).
 */
export function twinQueries(queries, index, recentIndex, { cap = RECENT_CAP } = {}) {
  const out = [];
  const plan = [];
  for (const original of queries) {
    if (!recentIndex || !original || original.indexUid !== index) {
      plan.push({ original, sent: original, big: out.push(original) - 1, recent: -1, added: [] });
      continue;
    }
    const hits = wantsHits(original);
    const added = hits ? missingSortAttributes(original) : [];
    const sent = { ...original };
    if (hits) sent.showRankingScore = true;
    if (added.length) sent.attributesToRetrieve = [...original.attributesToRetrieve, ...added];
    const twin = { ...sent, indexUid: recentIndex, offset: 0, limit: hits ? cap : 0, showRankingScore: true };
    delete twin.page;
    delete twin.hitsPerPage;
    const big = out.push(sent) - 1;
    plan.push({ original, sent, big, recent: out.push(twin) - 1, added });
  }
  return { queries: out, plan };
}

/**
 * The one extra big-index query a page needs, or null. With R recent hits and a window [start, start+size) that
 * does not start at 0, a big hit of rank k lands at a position in [k, k+R], so the page needs the big ranks
 * [start-R, start+size): `offset: max(0, start-R)`, `limit: size + min(R, start)` (limit mode: the offset is known).
 */
export function followUpQuery(entry, recentResult) {
  if (entry.recent < 0) return null;
  const r = ((recentResult && recentResult.hits) || []).length;
  const { start, size } = hitWindow(entry.original);
  if (r === 0 || start === 0 || size === 0) return null;
  const query = { ...entry.sent, offset: Math.max(0, start - r), limit: size + Math.min(r, start) };
  delete query.page;
  delete query.hitsPerPage;
  return query;
}

/** facetDistribution of disjoint answers: per facet, per value, the counts added. */
export function mergeFacetDistribution(a, b) {
  const out = {};
  for (const dist of [a, b]) {
    for (const [facet, values] of Object.entries(dist || {})) {
      const into = out[facet] || (out[facet] = {});
      for (const [value, count] of Object.entries(values || {})) into[value] = (into[value] || 0) + count;
    }
  }
  return out;
}

/** facetStats of disjoint answers: the min of the mins and the max of the maxes. */
export function mergeFacetStats(a, b) {
  const out = {};
  for (const stats of [a, b]) {
    for (const [facet, s] of Object.entries(stats || {})) {
      const o = out[facet];
      out[facet] = o ? { ...o, min: Math.min(o.min, s.min), max: Math.max(o.max, s.max) } : { ...s };
    }
  }
  return out;
}

/** How many documents (organisations with distinct) the recent index matched. */
function recentCount(recent) {
  const hits = (recent.hits || []).length;
  return Math.max(hits, Number(recent.estimatedTotalHits ?? recent.totalHits ?? 0));
}

/**
 * One original query's answer from its big answer and its twin's answer, in the shape the original asked for.
 *
 * `window` is the big hits to merge with: {hits, offset} of the follow-up answer (followUpQuery), or null for the
 * big answer's own hits (then offset = the window's start). The two lists are merged with hitComparator (ties: the
 * recent hit first); the k-th merged hit is at position offset + k, and the hits at positions [start, start+size)
 * are returned. That position is exact for every hit that can be on the page:
 * - a big hit of rank `offset + i` after `j` recent hits is at `offset + i + j` (all recent hits are known);
 * - a recent hit of rank `j` after big rank `offset + i - 1`: exact when `i > 0`, or `i = 0` and `offset = 0`.
 *   When it sorts before the window's first big hit and offset > 0, fewer than `offset` big hits may precede it,
 *   so its position is ≤ j + offset ≤ (R-1) + (start-R) = start-1 (offset = start-R > 0 for a follow-up; without a
 *   follow-up offset > 0 only when R = 0): not on the page, nor is it counted there. When it sorts after the last
 *   big hit of a full window, at least offset + len = start + size big hits precede it: not on the page either;
 *   after the last hit of a short window the big hits are exhausted and the count is exact.
 * With R = 0 the big answer comes back unchanged except for what the twin plan added to its hits.
 * Safety net (a misconfigured proxy): a listing_id found in both indexes keeps only its recent hits (counts and
 * facets are then not corrected).
 */
export function mergeTwin(entry, big, recent, window = null) {
  const query = entry.original;
  const { start, size, paged } = hitWindow(query);
  const out = { ...big };
  if (big.facetDistribution || recent.facetDistribution) {
    out.facetDistribution = mergeFacetDistribution(big.facetDistribution, recent.facetDistribution);
  }
  if (big.facetStats || recent.facetStats) out.facetStats = mergeFacetStats(big.facetStats, recent.facetStats);
  const extra = recentCount(recent);
  if (paged) {
    out.totalHits = Number(big.totalHits ?? 0) + extra;
    const perPage = Number(big.hitsPerPage ?? size);
    if (perPage > 0) out.totalPages = Math.ceil(out.totalHits / perPage);
  } else if (big.estimatedTotalHits != null || recent.estimatedTotalHits != null) {
    out.estimatedTotalHits = Number(big.estimatedTotalHits ?? 0) + extra;
  }
  if (!Array.isArray(big.hits)) return out;
  const recentHits = recent.hits || [];
  const offset = window ? window.offset : start;
  let bigHits = window ? window.hits || [] : big.hits;
  if (recentHits.length) {
    const taken = new Set(recentHits.map((h) => h.listing_id).filter((id) => id != null));
    bigHits = bigHits.filter((h) => !taken.has(h.listing_id));
  }
  const merged = interleave(bigHits, recentHits, hitComparator(query));
  const from = Math.max(0, start - offset);
  out.hits = merged.slice(from, from + size).map(stripper(entry));
  return out;
}

/** Merge two lists each already in `cmp` order; on a tie the hit of `first` comes first. */
function interleave(second, first, cmp) {
  const out = [];
  let i = 0, j = 0;
  while (i < second.length || j < first.length) {
    if (j < first.length && (i >= second.length || cmp(first[j], second[i]) <= 0)) out.push(first[j++]);
    else out.push(second[i++]);
  }
  return out;
}

/** Remove from a hit what the twin plan added: `_rankingScore` (unless asked for) and added sort attributes. */
function stripper(entry) {
  const score = !entry.original.showRankingScore;
  const added = entry.added || [];
  if (!score && !added.length) return (h) => h;
  return (h) => {
    const o = { ...h };
    if (score) delete o._rankingScore;
    for (const a of added) delete o[a];
    return o;
  };
}

/**
 * The results of the original queries, in their order, from the answers to twinQueries' queries and to the
 * follow-up queries (`followUps`: {planPosition: {hits, offset}}).
 */
export function overlayResults(plan, results, followUps = {}) {
  return plan.map((entry, i) => (entry.recent < 0
    ? results[entry.big]
    : mergeTwin(entry, results[entry.big], results[entry.recent], followUps[i] || null)));
}
