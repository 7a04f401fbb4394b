import { describe, it, expect, vi, afterEach } from 'vitest';
import {
  twinQueries, mergeTwin, followUpQuery, hitComparator, hitWindow, mergeFacetDistribution, mergeFacetStats, RECENT_CAP,
} from '../src/overlay.js';
import {
  createClient, buildListQuery, buildCountQueries, buildMapQueries, buildSignedQuery, buildExportQuery, emptySelection,
  isRecentIndexError, SearchError,
} from '../src/search.js';
import { validateConfig } from '../src/config.js';

const IDX = 'organisations';
const REC = 'organisations-recent';
const SIGNED = 'organisations-signed';
const st = (o = {}) => ({ q: '', sel: emptySelection(), ...o });

afterEach(() => vi.restoreAllMocks());

/** Deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fake Meilisearch multi-search over fixed, already ordered document lists per index. Honours indexUid,
 * offset/limit (estimatedTotalHits), page/hitsPerPage (totalHits, totalPages), showRankingScore, `_geoDistance`
 * for a `_geoPoint` sort, attributesToRetrieve and facets. Refuses a query mixing the two pagination modes.
 * `fail(body)` may return an error answer {status, body} for a request.
 */
function fakeMeili(lists, { fail = null } = {}) {
  const calls = [];
  function answer(q) {
    const docs = lists[q.indexUid];
    if (!docs) throw new Error('unknown index ' + q.indexUid);
    const geo = (q.sort || []).some((s) => s.startsWith('_geoPoint('));
    const project = (d) => {
      const h = {};
      for (const [k, v] of Object.entries(d)) {
        if (k === '_rankingScore' || k === '_geoDistance') continue;
        if (!q.attributesToRetrieve || q.attributesToRetrieve.includes(k)) h[k] = v;
      }
      if (geo) h._geoDistance = d._geoDistance;
      if (q.showRankingScore) h._rankingScore = d._rankingScore;
      return h;
    };
    const res = { indexUid: q.indexUid, query: q.q ?? '', processingTimeMs: 1 };
    if (q.facets) {
      res.facetDistribution = {};
      for (const f of q.facets) {
        const dist = {};
        for (const d of docs) if (d[f] != null) dist[d[f]] = (dist[d[f]] || 0) + 1;
        res.facetDistribution[f] = dist;
      }
    }
    if (q.page != null || q.hitsPerPage != null) {
      if (q.offset != null || q.limit != null) throw new Error('page mode with offset/limit');
      const hpp = q.hitsPerPage ?? 20, page = q.page ?? 1;
      Object.assign(res, {
        hits: docs.slice((page - 1) * hpp, page * hpp).map(project), page, hitsPerPage: hpp,
        totalHits: docs.length, totalPages: Math.ceil(docs.length / hpp),
      });
    } else {
      const offset = q.offset ?? 0, limit = q.limit ?? 20;
      Object.assign(res, { hits: docs.slice(offset, offset + limit).map(project), offset, limit, estimatedTotalHits: docs.length });
    }
    return res;
  }
  const fetchImpl = vi.fn(async (url, init) => {
    const body = JSON.parse(init.body);
    calls.push({ url, init, body });
    const err = fail && fail(body);
    if (err) return { ok: false, status: err.status, json: async () => err.body };
    return { ok: true, status: 200, json: async () => ({ results: body.queries.map(answer) }) };
  });
  return { fetchImpl, calls };
}

const doc = (id, o = {}) => ({ doc_id: id, listing_id: 'L' + id, name: 'n' + id, city: 'c' + (id.length % 3), ...o });

/** Stable sort (Array.prototype.sort is stable). */
const sorted = (list, cmp) => [...list].sort(cmp);

describe('twinQueries', () => {
  it('twins queries on the big index only, with offset 0, the cap, no page/hitsPerPage and showRankingScore', () => {
    const list = buildListQuery(st({ q: 'legal', near: { lat: 52.5, lng: 13.4 } }), IDX, { page: 2 });
    const counts = buildCountQueries(st(), IDX).queries[0];
    const signed = buildSignedQuery(SIGNED, { listingIds: ['a'] });
    const { queries, plan } = twinQueries([list, signed, counts], IDX, REC);
    expect(queries).toHaveLength(5);
    expect(plan.map((p) => [p.big, p.recent])).toEqual([[0, 1], [2, -1], [3, 4]]);
    // the list query: same query, plus showRankingScore; its twin on the recent index
    expect(queries[0]).toEqual({ ...list, showRankingScore: true });
    const twin = { ...list, indexUid: REC, offset: 0, limit: RECENT_CAP, showRankingScore: true };
    delete twin.page; delete twin.hitsPerPage;
    expect(queries[1]).toEqual(twin);
    expect(queries[1].page).toBeUndefined();
    expect(queries[1].hitsPerPage).toBeUndefined();
    expect(queries[1].matchingStrategy).toBe('all');
    // the signed query is untouched (the same object)
    expect(queries[2]).toBe(signed);
    // counts: no hits asked, so the twin has limit 0 and the original gets no showRankingScore
    expect(queries[3]).toEqual(counts);
    expect(queries[4]).toEqual({ ...counts, indexUid: REC, offset: 0, limit: 0, showRankingScore: true });
  });
  it('honours the cap and leaves the originals unchanged', () => {
    const q = { indexUid: IDX, q: '', limit: 250 };
    const { queries } = twinQueries([q], IDX, REC, { cap: 7 });
    expect(queries[1].limit).toBe(7);
    expect(q).toEqual({ indexUid: IDX, q: '', limit: 250 });
  });
  it('adds a plain sort attribute missing from attributesToRetrieve to both, and strips it after merging', () => {
    const q = { indexUid: IDX, q: '', sort: ['name:asc'], attributesToRetrieve: ['doc_id', 'listing_id'], page: 1, hitsPerPage: 3 };
    const { queries, plan } = twinQueries([q], IDX, REC);
    expect(queries[0].attributesToRetrieve).toEqual(['doc_id', 'listing_id', 'name']);
    expect(queries[1].attributesToRetrieve).toEqual(['doc_id', 'listing_id', 'name']);
    const big = { hits: [{ doc_id: '1', listing_id: 'a', name: 'b', _rankingScore: 1 }, { doc_id: '2', listing_id: 'b', name: 'd', _rankingScore: 1 }], totalHits: 2, page: 1, hitsPerPage: 3, totalPages: 1 };
    const recent = { hits: [{ doc_id: '9', listing_id: 'z', name: 'c', _rankingScore: 1 }], estimatedTotalHits: 1 };
    const out = mergeTwin(plan[0], big, recent);
    expect(out.hits).toEqual([{ doc_id: '1', listing_id: 'a' }, { doc_id: '9', listing_id: 'z' }, { doc_id: '2', listing_id: 'b' }]);
    // attributesToRetrieve with "*" or absent: nothing added
    expect(twinQueries([{ ...q, attributesToRetrieve: ['*'] }], IDX, REC).queries[0].attributesToRetrieve).toEqual(['*']);
    expect(twinQueries([{ ...q, attributesToRetrieve: undefined }], IDX, REC).plan[0].added).toEqual([]);
  });
  it('sends nothing extra without a recent index', () => {
    const q = [{ indexUid: IDX, q: 'x' }];
    expect(twinQueries(q, IDX, null).queries).toEqual(q);
  });
});

describe('mergeTwin: counts and facets', () => {
  const entryFor = (q) => twinQueries([q], IDX, REC).plan[0];
  it('adds facet counts per value and totals (page mode: totalHits and totalPages)', () => {
    const q = { indexUid: IDX, q: '', facets: ['city', 'focus'], page: 1, hitsPerPage: 10 };
    const big = { hits: [], page: 1, hitsPerPage: 10, totalHits: 95, totalPages: 10,
      facetDistribution: { city: { Berlin: 50, Tbilisi: 45 }, focus: { media: 3 } }, facetStats: { n: { min: 2, max: 9 } } };
    const recent = { hits: [], estimatedTotalHits: 6,
      facetDistribution: { city: { Berlin: 2, Yerevan: 4 }, focus: {} }, facetStats: { n: { min: 1, max: 5 }, m: { min: 0, max: 1 } } };
    const out = mergeTwin(entryFor(q), big, recent);
    expect(out.facetDistribution).toEqual({ city: { Berlin: 52, Tbilisi: 45, Yerevan: 4 }, focus: { media: 3 } });
    expect(out.facetStats).toEqual({ n: { min: 1, max: 9 }, m: { min: 0, max: 1 } });
    expect(out.totalHits).toBe(101);
    expect(out.totalPages).toBe(11);
  });
  it('limit mode: estimatedTotalHits added', () => {
    const q = { indexUid: IDX, q: '', limit: 0, facets: ['primary'] };
    const out = mergeTwin(entryFor(q), { hits: [], estimatedTotalHits: 7, limit: 0, offset: 0, facetDistribution: { primary: { true: 7 } } },
      { hits: [], estimatedTotalHits: 2, facetDistribution: { primary: { true: 2 } } });
    expect(out.estimatedTotalHits).toBe(9);
    expect(out.facetDistribution).toEqual({ primary: { true: 9 } });
  });
  it('pure helpers add up', () => {
    expect(mergeFacetDistribution({ a: { x: 1 } }, undefined)).toEqual({ a: { x: 1 } });
    expect(mergeFacetDistribution({ a: { x: 1 } }, { a: { x: 2, y: 1 }, b: { z: 3 } })).toEqual({ a: { x: 3, y: 1 }, b: { z: 3 } });
    expect(mergeFacetStats({ a: { min: 1, max: 2 } }, { a: { min: -1, max: 1 } })).toEqual({ a: { min: -1, max: 2 } });
  });
  it('with no recent hit the big answer comes back unchanged but for _rankingScore', () => {
    const q = buildListQuery(st({ q: 'aid' }), IDX, { page: 3 });
    const hits = [{ doc_id: '1', listing_id: 'a', name: 'A' }, { doc_id: '2', listing_id: 'b', name: 'B' }];
    const big = { indexUid: IDX, query: 'aid', processingTimeMs: 3, hits: hits.map((h, i) => ({ ...h, _rankingScore: 0.9 - i / 10 })),
      page: 3, hitsPerPage: 20, totalHits: 42, totalPages: 3 };
    const out = mergeTwin(entryFor(q), big, { hits: [], estimatedTotalHits: 0 });
    expect(out).toEqual({ ...big, hits });
    expect(followUpQuery(entryFor(q), { hits: [] })).toBeNull();
  });
  it('keeps _rankingScore when the original asked for it', () => {
    const q = { indexUid: IDX, q: 'x', showRankingScore: true, limit: 5 };
    const out = mergeTwin(entryFor(q), { hits: [{ listing_id: 'a', _rankingScore: 0.5 }], estimatedTotalHits: 1 },
      { hits: [{ listing_id: 'b', _rankingScore: 0.7 }], estimatedTotalHits: 1 });
    expect(out.hits).toEqual([{ listing_id: 'b', _rankingScore: 0.7 }, { listing_id: 'a', _rankingScore: 0.5 }]);
  });
  it('safety net: a listing in both indexes keeps only its recent hits', () => {
    const q = { indexUid: IDX, q: 'x', limit: 10 };
    const out = mergeTwin(entryFor(q),
      { hits: [{ doc_id: '1', listing_id: 'a', _rankingScore: 0.9 }, { doc_id: '2', listing_id: 'b', _rankingScore: 0.8 }], estimatedTotalHits: 2 },
      { hits: [{ doc_id: '3', listing_id: 'b', _rankingScore: 0.5 }], estimatedTotalHits: 1 });
    expect(out.hits.map((h) => h.doc_id)).toEqual(['1', '3']);
  });
});

describe('merged order', () => {
  const merge = (q, bigHits, recentHits) => {
    const entry = twinQueries([q], IDX, REC).plan[0];
    return mergeTwin(entry, { hits: bigHits, estimatedTotalHits: bigHits.length }, { hits: recentHits, estimatedTotalHits: recentHits.length })
      .hits.map((h) => h.doc_id);
  };
  it('no sort: ranking score descending, a tie puts the recent hit first', () => {
    const big = [{ doc_id: 'b1', _rankingScore: 0.9 }, { doc_id: 'b2', _rankingScore: 0.7 }, { doc_id: 'b3', _rankingScore: 0.7 }];
    const recent = [{ doc_id: 'r1', _rankingScore: 0.8 }, { doc_id: 'r2', _rankingScore: 0.7 }];
    expect(merge({ indexUid: IDX, q: 'aid', limit: 10 }, big, recent)).toEqual(['b1', 'r1', 'r2', 'b2', 'b3']);
  });
  it('_geoPoint sort with an empty q: distance ascending (scores ignored), ties recent first', () => {
    const q = { indexUid: IDX, q: '', sort: ['_geoPoint(52.5, 13.4):asc'], limit: 10 };
    const big = [{ doc_id: 'b1', _geoDistance: 0, _rankingScore: 1 }, { doc_id: 'b2', _geoDistance: 500, _rankingScore: 1 }, { doc_id: 'b3', _geoDistance: 900, _rankingScore: 1 }];
    const recent = [{ doc_id: 'r1', _geoDistance: 10, _rankingScore: 1 }, { doc_id: 'r2', _geoDistance: 900, _rankingScore: 1 }];
    expect(merge(q, big, recent)).toEqual(['b1', 'r1', 'b2', 'r2', 'b3']);
  });
  it('_geoPoint sort with a text q: ranking score first, then distance', () => {
    const cmp = hitComparator({ q: 'aid', sort: ['_geoPoint(1, 2):asc'] });
    expect(cmp({ _rankingScore: 0.9, _geoDistance: 1000 }, { _rankingScore: 0.5, _geoDistance: 0 })).toBeLessThan(0);
    expect(cmp({ _rankingScore: 0.5, _geoDistance: 10 }, { _rankingScore: 0.5, _geoDistance: 20 })).toBeLessThan(0);
    expect(cmp({ _rankingScore: 0.5, _geoDistance: 10 }, { _rankingScore: 0.5, _geoDistance: 10 })).toBe(0);
    const empty = hitComparator({ q: '  ', sort: ['_geoPoint(1, 2):asc'] });
    expect(empty({ _rankingScore: 0.1, _geoDistance: 1 }, { _rankingScore: 0.9, _geoDistance: 2 })).toBeLessThan(0);
  });
  it('attribute sort: asc and desc', () => {
    expect(hitComparator({ q: '', sort: ['name:asc'] })({ name: 'a' }, { name: 'b' })).toBeLessThan(0);
    expect(hitComparator({ q: '', sort: ['name:desc'] })({ name: 'a' }, { name: 'b' })).toBeGreaterThan(0);
    expect(hitComparator({ q: '', sort: ['n:desc'] })({}, { n: 1 })).toBeGreaterThan(0); // missing last
  });
  it('hitWindow reads both pagination modes', () => {
    expect(hitWindow({ page: 3, hitsPerPage: 20 })).toEqual({ start: 40, size: 20, paged: true });
    expect(hitWindow({ offset: 7, limit: 5 })).toEqual({ start: 7, size: 5, paged: false });
    expect(hitWindow({})).toEqual({ start: 0, size: 20, paged: false });
  });
});

/** One generated case: ordered big and recent lists under the query's comparator, and the expected global order. */
function genCase(rand, c) {
  const modes = [
    { q: 'aid' }, // ranking score, no sort
    { q: '' }, // placeholder: every score 1, ties everywhere
    { q: '', sort: ['_geoPoint(52.5, 13.4):asc'] },
    { q: 'aid', sort: ['_geoPoint(52.5, 13.4):asc'] },
  ];
  const mode = modes[c % modes.length];
  const bigN = Math.floor(rand() * 120);
  const r = rand() < 0.25 ? 0 : 1 + Math.floor(rand() * 8);
  const mk = (prefix, n) => Array.from({ length: n }, (_, i) => doc(`${prefix}${c}-${i}`, {
    _rankingScore: mode.q ? Math.round(rand() * 5) / 5 : 1, // few values: many ties
    _geoDistance: Math.floor(rand() * 20) * 100,
    city: ['Berlin', 'Tbilisi', 'Yerevan'][Math.floor(rand() * 3)],
  }));
  const query = { indexUid: IDX, ...mode, filter: [], distinct: 'listing_id', attributesToRetrieve: ['doc_id', 'listing_id', 'name', 'city'] };
  const cmp = hitComparator(query);
  const big = sorted(mk('b', bigN), cmp);
  const recent = sorted(mk('r', r), cmp);
  // the expected order: the recent hits first on ties, each index's own order kept (stable sort)
  const all = sorted([...recent, ...big], cmp);
  return { query, big, recent, all, r, hpp: 1 + Math.floor(rand() * 25) };
}

/** What the site should get for a hit: the retrieved fields (and `_geoDistance` with a geo sort). */
const shown = (query) => (d) => {
  const h = {};
  for (const k of query.attributesToRetrieve) if (k in d) h[k] = d[k];
  if (query.sort) h._geoDistance = d._geoDistance;
  return h;
};

describe('client with the recent index: every page equals the merged order (200 generated cases)', () => {
  it('page mode: pages 1..N, each hit on exactly one page, a follow-up only when R > 0 and the page is not the first', async () => {
    const rand = rng(20260101);
    let followUps = 0;
    for (let c = 0; c < 200; c++) {
      const { query, big, recent, all, r, hpp } = genCase(rand, c);
      const { fetchImpl, calls } = fakeMeili({ [IDX]: big, [REC]: recent });
      const client = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, fetchImpl);
      const pages = Math.ceil(all.length / hpp) + 1; // one past the end: empty
      const seen = new Map();
      for (let p = 1; p <= pages; p++) {
        const before = calls.length;
        const [res] = await client.multiSearch([{ ...query, page: p, hitsPerPage: hpp }]);
        const made = calls.slice(before);
        const ctx = `case ${c} page ${p} (big ${big.length}, R ${r}, hpp ${hpp}, q "${query.q}", sort ${query.sort})`;
        expect(made.length, ctx).toBe(r > 0 && p > 1 ? 2 : 1);
        expect(made[0].body.queries.map((q) => q.indexUid), ctx).toEqual([IDX, REC]);
        if (made.length === 2) {
          const start = (p - 1) * hpp;
          expect(made[1].body.queries, ctx).toHaveLength(1);
          expect(made[1].body.queries[0], ctx).toMatchObject({ indexUid: IDX, offset: Math.max(0, start - r), limit: hpp + Math.min(r, start), showRankingScore: true });
          expect(made[1].body.queries[0].page).toBeUndefined();
          followUps++;
        }
        expect(res.hits, ctx).toEqual(all.slice((p - 1) * hpp, p * hpp).map(shown(query)));
        expect(res.totalHits, ctx).toBe(all.length);
        expect(res.totalPages, ctx).toBe(Math.ceil(all.length / hpp));
        expect(res.page, ctx).toBe(p);
        for (const h of res.hits) seen.set(h.doc_id, (seen.get(h.doc_id) || 0) + 1);
      }
      expect([...seen.keys()].sort(), `case ${c}`).toEqual(all.map((d) => d.doc_id).sort());
      expect([...seen.values()].every((n) => n === 1), `case ${c}`).toBe(true);
    }
    expect(followUps).toBeGreaterThan(100); // the generator exercised the follow-up path
  });

  it('limit mode: any offset/limit window equals the slice, estimatedTotalHits adds up', async () => {
    const rand = rng(7);
    for (let c = 0; c < 200; c++) {
      const { query, big, recent, all, r } = genCase(rand, c);
      const { fetchImpl, calls } = fakeMeili({ [IDX]: big, [REC]: recent });
      const client = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, fetchImpl);
      const offset = rand() < 0.3 ? 0 : Math.floor(rand() * (all.length + 3));
      const limit = 1 + Math.floor(rand() * 30);
      const [res] = await client.multiSearch([{ ...query, offset, limit }]);
      const ctx = `case ${c} (big ${big.length}, R ${r}, offset ${offset}, limit ${limit})`;
      expect(calls.length, ctx).toBe(r > 0 && offset > 0 ? 2 : 1);
      expect(res.hits, ctx).toEqual(all.slice(offset, offset + limit).map(shown(query)));
      expect(res.estimatedTotalHits, ctx).toBe(all.length);
      expect(res.offset, ctx).toBe(offset);
      expect(res.limit, ctx).toBe(limit);
    }
  });
});

describe('client with the recent index: shape, facets, signals', () => {
  it('returns one result per original query, in order; counts add up; the signed query is answered as is', async () => {
    const big = [doc('1', { city: 'Berlin', _rankingScore: 1 }), doc('2', { city: 'Tbilisi', _rankingScore: 1 })];
    const recent = [doc('3', { city: 'Berlin', _rankingScore: 1 })];
    const signedDocs = [{ signed_id: 'L1', jws: 'x' }];
    const { fetchImpl, calls } = fakeMeili({ [IDX]: big, [REC]: recent, [SIGNED]: signedDocs });
    const client = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, fetchImpl);
    const ctrl = new AbortController();
    const res = await client.multiSearch([
      { indexUid: IDX, q: '', limit: 0, facets: ['city'] },
      { indexUid: SIGNED, q: '', limit: 5 },
      { indexUid: IDX, q: '', page: 1, hitsPerPage: 20 },
    ], { signal: ctrl.signal });
    expect(res).toHaveLength(3);
    expect(res[0].facetDistribution).toEqual({ city: { Berlin: 2, Tbilisi: 1 } });
    expect(res[0].estimatedTotalHits).toBe(3);
    expect(res[1].hits).toEqual(signedDocs);
    expect(res[2].hits.map((h) => h.doc_id)).toEqual(['3', '1', '2']); // placeholder ties: recent first
    expect(res[2].hits.every((h) => !('_rankingScore' in h))).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0].body.queries.map((q) => q.indexUid)).toEqual([IDX, REC, SIGNED, IDX, REC]);
    expect(calls[0].init.signal).toBe(ctrl.signal);
  });
  it('passes the signal to the follow-up request too, and an abort stops it', async () => {
    const big = Array.from({ length: 30 }, (_, i) => doc('b' + i, { _rankingScore: 1 }));
    const recent = [doc('r', { _rankingScore: 1 })];
    const { fetchImpl, calls } = fakeMeili({ [IDX]: big, [REC]: recent });
    const client = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, fetchImpl);
    const ctrl = new AbortController();
    await client.multiSearch([{ indexUid: IDX, q: '', page: 2, hitsPerPage: 10 }], { signal: ctrl.signal });
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.init.signal === ctrl.signal)).toBe(true);
    // abort between the two requests: the follow-up's fetch rejects with AbortError and the caller sees it
    const aborting = vi.fn(async (url, init) => {
      if (aborting.mock.calls.length === 2) {
        expect(init.signal.aborted).toBe(true);
        throw new DOMException('aborted', 'AbortError');
      }
      const r = await fetchImpl(url, init);
      ctrl2.abort();
      return r;
    });
    const ctrl2 = new AbortController();
    const c2 = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, aborting);
    await expect(c2.multiSearch([{ indexUid: IDX, q: '', page: 2, hitsPerPage: 10 }], { signal: ctrl2.signal })).rejects.toThrow('aborted');
    expect(aborting).toHaveBeenCalledTimes(2);
  });
});

describe('client without the recent index', () => {
  it('sends byte-identical bodies to the plain client, whatever config it is given', async () => {
    const s = st({ q: 'legal aid', near: { lat: 52.5, lng: 13.4 } });
    s.sel.city.add('Berlin');
    const batches = [
      [...buildCountQueries(s, IDX).queries, buildListQuery(s, IDX, { page: 2 })],
      buildMapQueries(s, IDX, { bbox: { north: 53, south: 52, east: 14, west: 13 }, level: 8 }),
      [buildExportQuery(s, IDX), buildSignedQuery(SIGNED, { listingIds: ['a', 'b'] })],
    ];
    for (const config of [{ meilisearchUrl: 'http://m/', searchKey: 'k' }, { meilisearchUrl: 'http://m/', searchKey: 'k', index: IDX, recentIndex: null }]) {
      const fetchImpl = vi.fn(async () => ({ ok: true, json: async () => ({ results: [] }) }));
      const client = createClient(config, fetchImpl);
      for (const queries of batches) await client.multiSearch(queries);
      expect(fetchImpl).toHaveBeenCalledTimes(batches.length);
      fetchImpl.mock.calls.forEach(([url, init], i) => {
        expect(url).toBe('http://m/multi-search');
        expect(init.body).toBe(JSON.stringify({ queries: batches[i] }));
        expect(Object.keys(init).sort()).toEqual(['body', 'cache', 'credentials', 'headers', 'method', 'mode', 'referrerPolicy', 'signal']);
      });
    }
  });
});

describe('fallback when the recent index cannot be searched', () => {
  const big = [doc('1', { _rankingScore: 1 }), doc('2', { _rankingScore: 1 })];
  for (const [status, body] of [
    [404, { message: 'Inside `.queries[1]`: Index `organisations-recent` not found.', code: 'index_not_found', type: 'invalid_request', link: 'https://docs.meilisearch.com/errors#index_not_found' }],
    [400, { message: 'Inside `.queries[1]`: bad uid', code: 'invalid_search_index_uid', type: 'invalid_request', link: '' }],
    [403, { message: 'The provided API key is invalid.', code: 'invalid_api_key', type: 'auth', link: '' }],
  ]) {
    it(`HTTP ${status} ${body.code}: answers from the big index alone, then stops twinning (one warning)`, async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const { fetchImpl, calls } = fakeMeili({ [IDX]: big }, {
        fail: (b) => (b.queries.some((q) => q.indexUid === REC) ? { status, body } : null),
      });
      const client = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, fetchImpl);
      const q = { indexUid: IDX, q: '', page: 1, hitsPerPage: 10 };
      const [res] = await client.multiSearch([q]);
      expect(res.hits.map((h) => h.doc_id)).toEqual(['1', '2']);
      expect(res.totalHits).toBe(2);
      expect(calls).toHaveLength(2);
      expect(calls[1].init.body).toBe(JSON.stringify({ queries: [q] }));
      const [again] = await client.multiSearch([q]);
      expect(again.hits).toHaveLength(2);
      expect(calls).toHaveLength(3);
      expect(calls[2].body.queries.map((x) => x.indexUid)).toEqual([IDX]);
      expect(warn).toHaveBeenCalledTimes(1);
    });
  }
  it('other errors are thrown and twinning goes on', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let n = 0;
    const ok = fakeMeili({ [IDX]: big, [REC]: [] });
    const fetchImpl = async (url, init) => (++n === 1 ? { ok: false, status: 500, json: async () => ({ message: 'boom', code: 'internal' }) } : ok.fetchImpl(url, init));
    const client = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, fetchImpl);
    await expect(client.multiSearch([{ indexUid: IDX, q: '' }])).rejects.toThrow('HTTP 500 boom');
    await client.multiSearch([{ indexUid: IDX, q: '' }]);
    expect(ok.calls[0].body.queries.map((x) => x.indexUid)).toEqual([IDX, REC]);
    expect(warn).not.toHaveBeenCalled();
  });
  it('when the search without twins fails too, the error is thrown and twinning is kept', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { fetchImpl, calls } = fakeMeili({}, { fail: () => ({ status: 403, body: { message: 'The provided API key is invalid.', code: 'invalid_api_key' } }) });
    const client = createClient({ meilisearchUrl: 'http://m', index: IDX, recentIndex: REC }, fetchImpl);
    await expect(client.multiSearch([{ indexUid: IDX, q: '' }])).rejects.toThrow('HTTP 403');
    await expect(client.multiSearch([{ indexUid: IDX, q: '' }])).rejects.toThrow('HTTP 403');
    expect(calls.map((c) => c.body.queries.length)).toEqual([2, 1, 2, 1]);
    expect(warn).not.toHaveBeenCalled();
  });
  it('isRecentIndexError: 4xx only, by message or code', () => {
    expect(isRecentIndexError(new SearchError('HTTP 404 Index `organisations-recent` not found.', { status: 404, code: 'x' }), REC)).toBe(true);
    expect(isRecentIndexError(new SearchError('HTTP 400', { status: 400, code: 'invalid_index_uid' }), REC)).toBe(true);
    expect(isRecentIndexError(new SearchError('HTTP 500 organisations-recent', { status: 500 }), REC)).toBe(false);
    expect(isRecentIndexError(new SearchError('HTTP 400 bad filter', { status: 400, code: 'invalid_search_filter' }), REC)).toBe(false);
    expect(isRecentIndexError(new Error('HTTP 404 organisations-recent'), REC)).toBe(false);
  });
});

describe('config', () => {
  it('recentIndex is off unless set', () => {
    expect(validateConfig({ meilisearchUrl: 'http://m' }).recentIndex).toBeNull();
    expect(validateConfig({ meilisearchUrl: 'http://m', recentIndex: '' }).recentIndex).toBeNull();
    expect(validateConfig({ meilisearchUrl: 'http://m', recentIndex: REC }).recentIndex).toBe(REC);
  });
});
