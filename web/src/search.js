// Query and filter building for Meilisearch (pure functions; no DOM) and a tiny fetch-based client.
// The document shape is defined in docs/search-documents.md (the contract).
import { twinQueries, followUpQuery, overlayResults } from './overlay.js';

/** Facet groups shown in the UI; `city`/`country` are per place, `focus`/`languages` per organisation. */
export const FACETS = Object.freeze(['country', 'city', 'focus', 'languages']);

/** Document field of each facet group: per place (map markers, list) and per organisation (counts). */
export const PLACE_FIELD = Object.freeze({ country: 'country', city: 'city', focus: 'focus', languages: 'languages' });
export const ORG_FIELD = Object.freeze({ country: 'countries', city: 'cities', focus: 'focus', languages: 'languages' });

/** Fields of an individual map marker (only fetched when the view holds at most POINT_LIMIT places). */
export const MARKER_FIELDS = Object.freeze(['doc_id', 'listing_id', '_geo', 'name', 'city', 'country', 'has_alerts']);

/** Fields for a row of the result list. */
export const LIST_FIELDS = Object.freeze([
  'doc_id', 'listing_id', 'name', 'description', 'focus', 'languages', 'city', 'country', 'cities', 'countries',
  'online', 'has_press_contact', 'has_contact', 'endorsed', 'has_alerts', 'org_status', 'last_confirmed', '_geo',
]);

/** Public fields that may be exported and shown on a card. */
export const PUBLIC_FIELDS = Object.freeze([
  'doc_id', 'listing_id', 'node', 'node_name', 'name', 'description', 'focus', 'languages', 'city', 'country',
  'cities', 'countries', 'place', '_geo', 'online', 'contacts', 'has_contact', 'has_press_contact', 'website',
  'channels', 'relationships', 'org_status', 'scope', 'last_confirmed', 'review_by', 'provenance', 'endorsed_by',
  'endorsed', 'alerts', 'has_alerts', 'updated_at',
]);

export const NETWORK_FIELDS = Object.freeze([
  'listing_id', 'name', 'relationships', 'focus', 'city', 'country', 'cities', 'countries', 'has_alerts', 'endorsed',
]);

export const MAX_HITS = 10000;
export const PAGE_SIZE = 20;
/** Individual markers when the visible box holds at most this many places; clusters from grid cells otherwise. */
export const POINT_LIMIT = 250;

/** Quote a user-provided value for a Meilisearch filter expression. */
export function quote(value) {
  return '"' + String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function num(x) {
  const n = Number(x);
  if (!Number.isFinite(n)) throw new TypeError('not a finite number: ' + x);
  return String(Math.round(n * 1e5) / 1e5);
}

/** Normalise a Leaflet-like bounds {north, south, east, west} to a Meilisearch-safe box, or null for "whole world". */
export function normaliseBbox(b) {
  if (!b) return null;
  let { north, south, east, west } = b;
  if (![north, south, east, west].every(Number.isFinite)) return null;
  if (east - west >= 360) return null; // the whole width of the world is visible
  north = Math.min(90, north); south = Math.max(-90, south);
  // wrap longitudes into [-180, 180]
  const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
  let w = wrap(west), e = wrap(east);
  if (east === 180) e = 180;
  if (west === -180) w = -180;
  if (north <= -90 || south >= 90 || north < south) return null;
  return { north, south, east: e, west: w };
}

/**
 * Build the `_geoBoundingBox` filter. Meilisearch takes the NORTH-EAST (top-right) corner first and the
 * SOUTH-WEST (bottom-left) corner second: `_geoBoundingBox([north, east], [south, west])`.
 */
export function bboxFilter(bbox) {
  const b = normaliseBbox(bbox);
  if (!b) return null;
  if (b.west > b.east) {
    // crosses the antimeridian: two boxes
    return `(_geoBoundingBox([${num(b.north)}, 180], [${num(b.south)}, ${num(b.west)}]) OR ` +
      `_geoBoundingBox([${num(b.north)}, ${num(b.east)}], [${num(b.south)}, -180]))`;
  }
  return `_geoBoundingBox([${num(b.north)}, ${num(b.east)}], [${num(b.south)}, ${num(b.west)}])`;
}

export function emptySelection() {
  return Object.fromEntries(FACETS.map((f) => [f, new Set()]));
}

/**
 * Build the filter (array of AND-ed expressions) for a UI state.
 * state: {sel: {facet: Set}, press, contact, endorsed, hideAlerts, near: {lat,lng,radiusKm?}}
 * options: bbox (map bounds) to restrict to, includeOnline (with bbox: online helpers stay listed), skipFacets
 */
export function buildFilter(state, { bbox = null, includeOnline = true, skipFacets = false, except = null, fields = PLACE_FIELD } = {}) {
  const parts = [];
  if (!skipFacets && state.sel) {
    for (const facet of FACETS) {
      if (facet === except) continue;
      const values = [...(state.sel[facet] || [])];
      const field = fields[facet];
      if (values.length === 1) parts.push(`${field} = ${quote(values[0])}`);
      else if (values.length > 1) parts.push(`${field} IN [${values.map(quote).join(', ')}]`);
    }
  }
  if (state.press) parts.push('has_press_contact = true');
  if (state.contact) parts.push('has_contact = true');
  if (state.endorsed) parts.push('endorsed = true');
  if (state.hideAlerts) parts.push('has_alerts = false');
  if (state.near && state.near.radiusKm) {
    parts.push(`_geoRadius(${num(state.near.lat)}, ${num(state.near.lng)}, ${Math.round(state.near.radiusKm * 1000)})`);
  }
  const box = bboxFilter(bbox);
  if (box) parts.push(includeOnline ? `(${box} OR online = true)` : box);
  return parts;
}

/** Text query: every word must match (with Meilisearch's typo and prefix tolerance), so counts mean "matches". */
function withQ(state) {
  const q = (state.q || '').trim();
  return q ? { q, matchingStrategy: 'all' } : { q: '' };
}

/**
 * Organisation counts (exact, at any size): facet distributions over the one `primary` document of each
 * organisation, with organisation-level fields. Disjunctive: each group with a selection gets its own query that
 * ignores that selection (OR inside a group, AND across groups). Returns {queries, read(results) → {total, counts}}.
 */
export function buildCountQueries(state, index) {
  const base = (except) => ({
    indexUid: index, ...withQ(state), limit: 0,
    filter: [...buildFilter(state, { except, fields: ORG_FIELD }), 'primary = true'],
  });
  const selected = FACETS.filter((f) => state.sel && state.sel[f] && state.sel[f].size > 0);
  const queries = [{ ...base(null), facets: ['primary', ...FACETS.filter((f) => !selected.includes(f)).map((f) => ORG_FIELD[f])] }];
  for (const f of selected) queries.push({ ...base(f), facets: [ORG_FIELD[f]] });
  function read(results) {
    const counts = {};
    const from = (res, f) => (res.facetDistribution || {})[ORG_FIELD[f]] || {};
    for (const f of FACETS) {
      const i = selected.indexOf(f);
      counts[f] = facetList(from(i < 0 ? results[0] : results[i + 1], f), state.sel && state.sel[f]);
    }
    const total = ((results[0].facetDistribution || {}).primary || {}).true || 0;
    return { total, counts };
  }
  return { queries, read };
}

/** {value: count} → [{value, count}] sorted by count desc then value; selected values are always present. */
export function facetList(dist, selected = null) {
  const m = new Map(Object.entries(dist || {}));
  for (const v of selected || []) if (!m.has(v)) m.set(v, 0);
  return [...m.entries()].map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
}

/** Places of the whole search (no map box): their number and coarse cells to fit the map to. */
export function buildPlacesQuery(state, index, fitLevels = [4, 8]) {
  return { indexUid: index, ...withQ(state), filter: buildFilter(state), limit: 0, facets: fitLevels.map((l) => `cell_${l}`) };
}

/** Map answer for a box: grid-cell counts at `level`, and the places themselves (few enough to draw one by one). */
export function buildMapQueries(state, index, { bbox = null, level, pointLimit = POINT_LIMIT }) {
  const filter = buildFilter(state, { bbox, includeOnline: false });
  if (!bbox) filter.push('cell_4 EXISTS'); // places only (online-only organisations have no cell)
  return [
    { indexUid: index, ...withQ(state), filter, limit: 0, facets: [`cell_${level}`] },
    { indexUid: index, ...withQ(state), filter, limit: pointLimit, attributesToRetrieve: [...MARKER_FIELDS] },
  ];
}

/** Organisations at some grid cells (a cluster at the deepest zoom): names for a popup, the rest is in the list. */
export function buildCellListQuery(state, index, cells, { limit = 50 } = {}) {
  const byCell = cells.slice(0, 100).map((c) => `cell_${Number(c.level)} = ${quote(c.cell)}`);
  const filter = buildFilter(state, { includeOnline: false });
  if (byCell.length) filter.push(byCell.length === 1 ? byCell[0] : `(${byCell.join(' OR ')})`);
  return {
    indexUid: index, ...withQ(state), filter, distinct: 'listing_id', page: 1, hitsPerPage: limit,
    attributesToRetrieve: ['listing_id', 'name'],
  };
}

/** Statistics: organisations by country, city and focus (full selection), and city × focus pairs for gaps. */
export function buildStatsQueries(state, index) {
  const filter = (except) => [...buildFilter(state, { except, fields: ORG_FIELD }), 'primary = true'];
  return [
    { indexUid: index, ...withQ(state), filter: filter(null), limit: 0, facets: ['countries', 'cities', 'focus'] },
    { indexUid: index, ...withQ(state), filter: filter('focus'), limit: 0, facets: ['cities', 'city_focus', 'countries'] },
  ];
}

/** Paginated text result list: one row per organisation. */
export function buildListQuery(state, index, { bbox = null, page = 0, pageSize = PAGE_SIZE } = {}) {
  const query = {
    indexUid: index, ...withQ(state), filter: buildFilter(state, { bbox }), distinct: 'listing_id',
    // page/hitsPerPage (instead of limit/offset) makes Meilisearch return an exhaustive totalHits for the pager
    page: Math.max(0, page) + 1, hitsPerPage: pageSize, attributesToRetrieve: [...LIST_FIELDS],
  };
  if (state.near) query.sort = [`_geoPoint(${num(state.near.lat)}, ${num(state.near.lng)}):asc`];
  return query;
}

export function buildNetworkQuery(state, index) {
  return {
    indexUid: index, ...withQ(state), filter: buildFilter(state), distinct: 'listing_id',
    limit: MAX_HITS, offset: 0, attributesToRetrieve: [...NETWORK_FIELDS],
  };
}

/** Export: every place (GeoJSON) or one row per organisation (CSV/JSON). */
export function buildExportQuery(state, index, { bbox = null, perOrganisation = true } = {}) {
  const query = {
    indexUid: index, ...withQ(state), filter: buildFilter(state, { bbox }),
    limit: MAX_HITS, offset: 0, attributesToRetrieve: [...PUBLIC_FIELDS],
  };
  if (perOrganisation) query.distinct = 'listing_id';
  return query;
}

/** All places (documents) of one organisation. */
export function buildListingQuery(listingId, index) {
  return { indexUid: index, q: '', filter: [`listing_id = ${quote(listingId)}`], limit: 200, attributesToRetrieve: [...PUBLIC_FIELDS] };
}

/** Fields of a document of the signed index (docs/search-documents.md, "Signed index"). */
export const SIGNED_FIELDS = Object.freeze(['signed_id', 'kind', 'node', 'listing_id', 'jws', 'keysets']);

/** Id of a node's keyset-chain document in the signed index. */
export const keysetDocId = (node) => `keyset-${node}`;

/**
 * Signed bytes by id from the signed index: listing documents (their JWS) and keyset-chain documents of nodes.
 * Kept small: the proxy takes bodies under 20,000 bytes (and a multi-search with the recent index's twins is about
 * twice its queries' size), so callers chunk long id lists (SIGNED_CHUNK ids per query).
 */
export function buildSignedQuery(signedIndex, { listingIds = [], keysetNodes = [] } = {}) {
  const ids = [...listingIds, ...keysetNodes.map(keysetDocId)];
  return {
    indexUid: signedIndex, q: '', filter: [`signed_id IN [${ids.map(quote).join(', ')}]`], limit: Math.max(1, ids.length),
    attributesToRetrieve: [...SIGNED_FIELDS],
  };
}
export const SIGNED_CHUNK = 150;

/** A failed search: `status` (HTTP, 0 for a network error) and Meilisearch's error `code` when it sent one. */
export class SearchError extends Error {
  constructor(message, { status = 0, code = '' } = {}) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Is this the error of a search that the recent index made fail (missing index, a token or key that does not cover
 * it)? An HTTP 4xx whose message names the recent index, or whose Meilisearch code is about an index uid or the key.
 */
export function isRecentIndexError(e, recentIndex) {
  if (!(e instanceof SearchError) || e.status < 400 || e.status > 499) return false;
  if (recentIndex && String(e.message).includes(recentIndex)) return true;
  return /^(index_not_found|invalid_api_key|invalid_(search_|multi_search_)?index_uid)$/.test(String(e.code));
}

/**
 * Minimal Meilisearch client: multi-search over fetch, no cookies, no referrer. With `recentIndex` (only behind
 * the token proxy) every query on `index` is merged with its twin on the recent index (overlay.js): the results
 * keep the original queries' shape and order. If a search with twins fails for the recent index (isRecentIndexError)
 * and the same search without them succeeds, this client stops asking the recent index (one console.warn).
 */
export function createClient({ meilisearchUrl, searchKey, index = null, recentIndex = null }, fetchImpl = globalThis.fetch.bind(globalThis)) {
  const base = String(meilisearchUrl).replace(/\/+$/, '');
  let twinning = Boolean(index && recentIndex);

  async function post(queries, signal) {
    const headers = { 'Content-Type': 'application/json' };
    if (searchKey) headers.Authorization = `Bearer ${searchKey}`;
    let res;
    try {
      res = await fetchImpl(`${base}/multi-search`, {
        method: 'POST', headers, body: JSON.stringify({ queries }), signal,
        credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store', mode: 'cors',
      });
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new SearchError('network: ' + (e && e.message));
    }
    if (!res.ok) {
      let detail = '', code = '';
      try {
        const err = await res.json();
        detail = (err && err.message) || '';
        code = (err && err.code) || '';
      } catch { /* ignore */ }
      throw new SearchError(`HTTP ${res.status} ${detail}`.trim(), { status: res.status, code: String(code) });
    }
    const body = await res.json();
    return body.results;
  }

  async function withRecent(queries, signal) {
    const { queries: sent, plan } = twinQueries(queries, index, recentIndex);
    if (sent.length === queries.length) return post(queries, signal); // no query on the big index
    let results;
    try {
      results = await post(sent, signal);
    } catch (e) {
      if (!isRecentIndexError(e, recentIndex)) throw e;
      const alone = await post(queries, signal); // throws if the failure was not about the recent index
      if (twinning) console.warn(`Atlas: searching without the recent index "${recentIndex}" (${e.message})`);
      twinning = false;
      return alone;
    }
    // Pages past the first with recent hits: one more request for the big ranks the page needs (followUpQuery).
    const follow = [];
    plan.forEach((entry, i) => {
      const query = followUpQuery(entry, results[entry.recent]);
      if (query) follow.push({ i, query });
    });
    const windows = {};
    if (follow.length) {
      const more = await post(follow.map((f) => f.query), signal);
      follow.forEach((f, k) => { windows[f.i] = { hits: more[k].hits || [], offset: f.query.offset }; });
    }
    return overlayResults(plan, results, windows);
  }

  async function multiSearch(queries, { signal } = {}) {
    return twinning ? withRecent(queries, signal) : post(queries, signal);
  }
  return { multiSearch, search: async (q, opts) => (await multiSearch([q], opts))[0] };
}
