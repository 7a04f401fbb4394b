import { describe, it, expect, vi } from 'vitest';
import {
  quote, buildFilter, bboxFilter, normaliseBbox, buildListQuery, buildExportQuery, buildListingQuery, buildNetworkQuery, emptySelection,
  createClient, MAX_HITS, buildCountQueries, buildPlacesQuery, buildMapQueries, buildStatsQueries, buildCellListQuery, facetList, POINT_LIMIT, ORG_FIELD,
} from '../src/search.js';

const st = (o = {}) => ({ q: '', sel: emptySelection(), ...o });

describe('quote', () => {
  it('quotes and escapes quotes and backslashes', () => {
    expect(quote('Berlin')).toBe('"Berlin"');
    expect(quote('a"b')).toBe('"a\\"b"');
    expect(quote('a\\"b')).toBe('"a\\\\\\"b"');
    expect(quote('x" OR city = "y')).toBe('"x\\" OR city = \\"y"');
  });
});

describe('buildFilter', () => {
  it('is empty for an empty state', () => expect(buildFilter(st())).toEqual([]));
  it('uses = for one value and IN for several, AND across groups', () => {
    const s = st();
    s.sel.city.add('Berlin');
    s.sel.focus.add('legal-aid').add('relocation');
    expect(buildFilter(s)).toEqual(['city = "Berlin"', 'focus IN ["legal-aid", "relocation"]']);
  });
  it('escapes hostile facet values', () => {
    const s = st();
    s.sel.city.add('Ber"lin\\');
    expect(buildFilter(s)).toEqual(['city = "Ber\\"lin\\\\"']);
  });
  it('adds boolean options and a radius', () => {
    const f = buildFilter(st({ press: true, endorsed: true, hideAlerts: true, near: { lat: 52.5, lng: 13.4, radiusKm: 25 } }));
    expect(f).toEqual(['has_press_contact = true', 'endorsed = true', 'has_alerts = false', '_geoRadius(52.5, 13.4, 25000)']);
  });
  it('can skip facets or one group (disjunctive counts)', () => {
    const s = st();
    s.sel.city.add('Berlin'); s.sel.country.add('DE');
    expect(buildFilter(s, { skipFacets: true })).toEqual([]);
    expect(buildFilter(s, { except: 'city' })).toEqual(['country = "DE"']);
  });
  it('adds the map area and keeps online helpers by default', () => {
    const f = buildFilter(st(), { bbox: { north: 53, south: 52, east: 14, west: 13 } });
    expect(f).toEqual(['(_geoBoundingBox([53, 14], [52, 13]) OR online = true)']);
    expect(buildFilter(st(), { bbox: { north: 53, south: 52, east: 14, west: 13 }, includeOnline: false }))
      .toEqual(['_geoBoundingBox([53, 14], [52, 13])']);
  });
});

describe('bounding boxes', () => {
  it('puts the north-east corner first (Meilisearch order)', () => {
    expect(bboxFilter({ north: 52.6, south: 52.4, east: 13.5, west: 13.3 })).toBe('_geoBoundingBox([52.6, 13.5], [52.4, 13.3])');
  });
  it('drops the filter when the whole world is visible', () => {
    expect(bboxFilter({ north: 80, south: -80, east: 200, west: -200 })).toBeNull();
    expect(bboxFilter(null)).toBeNull();
  });
  it('clamps latitude and wraps longitude; splits across the antimeridian', () => {
    expect(normaliseBbox({ north: 95, south: -95, east: 10, west: 0 })).toEqual({ north: 90, south: -90, east: 10, west: 0 });
    const f = bboxFilter({ north: 70, south: 50, east: 190, west: 170 });
    expect(f).toBe('(_geoBoundingBox([70, 180], [50, 170]) OR _geoBoundingBox([70, -170], [50, -180]))');
  });
  it('rejects non-finite numbers', () => expect(bboxFilter({ north: NaN, south: 0, east: 1, west: 0 })).toBeNull());
});

describe('queries', () => {
  it('count queries: organisation-level fields over primary documents, one disjunctive query per selected group', () => {
    const s = st({ q: ' legal aid ', press: true });
    s.sel.city.add('Berlin');
    s.sel.focus.add('legal-aid');
    const { queries, read } = buildCountQueries(s, 'organisations');
    expect(queries).toHaveLength(3);
    expect(queries[0]).toMatchObject({ indexUid: 'organisations', q: 'legal aid', matchingStrategy: 'all', limit: 0, facets: ['primary', 'countries', 'languages'] });
    expect(queries[0].filter).toEqual(['cities = "Berlin"', 'focus = "legal-aid"', 'has_press_contact = true', 'primary = true']);
    expect(queries[1]).toMatchObject({ facets: ['cities'], filter: ['focus = "legal-aid"', 'has_press_contact = true', 'primary = true'] });
    expect(queries[2]).toMatchObject({ facets: ['focus'], filter: ['cities = "Berlin"', 'has_press_contact = true', 'primary = true'] });
    for (const q of queries) expect(q.attributesToRetrieve).toBeUndefined();
    const out = read([
      { facetDistribution: { primary: { true: 7 }, countries: { DE: 5, GE: 2 }, languages: { ru: 7 } } },
      { facetDistribution: { cities: { Berlin: 5, Tbilisi: 2 } } },
      { facetDistribution: { focus: { media: 1 } } },
    ]);
    expect(out.total).toBe(7);
    expect(out.counts.city).toEqual([{ value: 'Berlin', count: 5 }, { value: 'Tbilisi', count: 2 }]);
    // a selected value with no organisation left stays visible with 0
    expect(out.counts.focus).toEqual([{ value: 'media', count: 1 }, { value: 'legal-aid', count: 0 }]);
    expect(out.counts.country[0]).toEqual({ value: 'DE', count: 5 });
  });
  it('count queries without a selection: one query, every group', () => {
    const { queries } = buildCountQueries(st(), 'i');
    expect(queries).toHaveLength(1);
    expect(queries[0].facets).toEqual(['primary', ...Object.values(ORG_FIELD)]);
    expect(queries[0].q).toBe('');
    expect(queries[0].matchingStrategy).toBeUndefined();
  });
  it('map queries: cell counts and few places of the box, place-level filters, no online helpers', () => {
    const s = st();
    s.sel.city.add('Berlin');
    const [cells, points] = buildMapQueries(s, 'i', { bbox: { north: 53, south: 52, east: 14, west: 13 }, level: 8 });
    expect(cells).toMatchObject({ limit: 0, facets: ['cell_8'], filter: ['city = "Berlin"', '_geoBoundingBox([53, 14], [52, 13])'] });
    expect(points).toMatchObject({ limit: POINT_LIMIT, filter: cells.filter });
    expect(points.attributesToRetrieve).toEqual(expect.arrayContaining(['listing_id', '_geo', 'name']));
    expect(points.attributesToRetrieve).not.toContain('description');
    const [world] = buildMapQueries(st(), 'i', { bbox: null, level: 4 });
    expect(world.filter).toEqual(['cell_4 EXISTS']);
  });
  it('places, statistics and cell-list queries', () => {
    expect(buildPlacesQuery(st(), 'i')).toMatchObject({ limit: 0, facets: ['cell_4', 'cell_8'] });
    const s = st();
    s.sel.focus.add('media');
    const [sel, gaps] = buildStatsQueries(s, 'i');
    expect(sel.filter).toEqual(['focus = "media"', 'primary = true']);
    expect(gaps.filter).toEqual(['primary = true']);
    expect(gaps.facets).toContain('city_focus');
    const c = buildCellListQuery(st(), 'i', [{ level: 16, cell: '1_2' }, { level: 16, cell: '3"4' }]);
    expect(c.filter).toEqual(['(cell_16 = "1_2" OR cell_16 = "3\\"4")']);
    expect(c).toMatchObject({ distinct: 'listing_id', hitsPerPage: 50 });
  });
  it('facetList sorts by count then value and keeps selected values', () => {
    expect(facetList({ b: 1, a: 1, c: 3 }, new Set(['z']))).toEqual([{ value: 'c', count: 3 }, { value: 'a', count: 1 }, { value: 'b', count: 1 }, { value: 'z', count: 0 }]);
  });
  it('list query is distinct by listing, paginated, sorted by distance near me', () => {
    const q = buildListQuery(st({ near: { lat: 52.5, lng: 13.4 } }), 'idx', { page: 2, pageSize: 20, bbox: { north: 1, south: 0, east: 1, west: 0 } });
    expect(q).toMatchObject({ distinct: 'listing_id', page: 3, hitsPerPage: 20, sort: ['_geoPoint(52.5, 13.4):asc'] });
    expect(q.filter[0]).toContain('_geoBoundingBox');
    expect(buildListQuery(st(), 'idx').sort).toBeUndefined();
  });
  it('export query: per organisation (distinct) or per place', () => {
    expect(buildExportQuery(st(), 'i').distinct).toBe('listing_id');
    expect(buildExportQuery(st(), 'i', { perOrganisation: false }).distinct).toBeUndefined();
    expect(buildExportQuery(st(), 'i').attributesToRetrieve).toContain('contacts');
  });
  it('listing and network queries', () => {
    expect(buildListingQuery('a"b', 'i').filter).toEqual(['listing_id = "a\\"b"']);
    expect(buildNetworkQuery(st(), 'i')).toMatchObject({ distinct: 'listing_id', limit: MAX_HITS });
  });
});

describe('client', () => {
  it('posts multi-search with the bearer key, without credentials or referrer', async () => {
    const fetchImpl = vi.fn(async () => ({ ok: true, json: async () => ({ results: [{ hits: [] }] }) }));
    const c = createClient({ meilisearchUrl: 'http://127.0.0.1:7700/', searchKey: 'k' }, fetchImpl);
    const r = await c.search({ indexUid: 'x', q: 'a' });
    expect(r).toEqual({ hits: [] });
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('http://127.0.0.1:7700/multi-search');
    expect(init.headers.Authorization).toBe('Bearer k');
    expect(init.credentials).toBe('omit');
    expect(init.referrerPolicy).toBe('no-referrer');
    expect(JSON.parse(init.body)).toEqual({ queries: [{ indexUid: 'x', q: 'a' }] });
  });
  it('turns HTTP errors into SearchError with the message', async () => {
    const fetchImpl = async () => ({ ok: false, status: 403, json: async () => ({ message: 'invalid key' }) });
    await expect(createClient({ meilisearchUrl: 'http://h' }, fetchImpl).search({})).rejects.toThrow('HTTP 403 invalid key');
  });
});
