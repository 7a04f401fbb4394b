// Map answers, old design beside new, in one run against one Meilisearch index of generated documents
// (web/e2e/bigindex.mjs: the same generator as the e2e test, at any size; loaded straight into Meilisearch).
//   node bench/map-scale.mjs MEILI_URL MASTER_KEY PLACES [--load] [--load-only] [--pans N]
// Prints JSON: per design the first answer (bytes raw and as sent with `br`, server ms), what it gets right
// (places drawn, organisations counted), a model of "first results" on 400 kbit/s / 400 ms RTT, and the p95 of
// pan/zoom answers (new design). Queries are the site's own builders (web/src/search.js); the old design's base
// query is reproduced below as it was before the grid cells (limit 10,000, marker fields, 4 facets).
import http from 'node:http';
import { bigDocuments } from '../web/e2e/bigindex.mjs';
import { INDEX_SETTINGS } from '../web/e2e/fixtures.mjs';
import { buildCountQueries, buildPlacesQuery, buildMapQueries, buildListQuery, emptySelection } from '../web/src/search.js';
import { levelForZoom, total, cellField } from '../web/src/cells.js';

const [base, key, placesArg] = process.argv.slice(2);
const PLACES = Number(placesArg || 2000);
const LOAD_ONLY = process.argv.includes('--load-only');
const LOAD = LOAD_ONLY || process.argv.includes('--load');
const PANS = Number(process.argv[process.argv.indexOf('--pans') + 1] || 0) || 100;
const INDEX = 'organisations';
const KBIT = 400, RTT_MS = 400;

function request(method, path, body, { raw = false } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const req = http.request(base + path, { method, headers: {
      Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Accept-Encoding': raw ? 'identity' : 'br',
      ...(data ? { 'Content-Length': data.length } : {}),
    } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, bytes: Buffer.concat(chunks), encoding: res.headers['content-encoding'] || 'identity' }));
    });
    req.on('error', reject);
    req.setTimeout(120000, () => req.destroy(new Error('timeout')));
    if (data) req.write(data);
    req.end();
  });
}
const json = async (m, p, b) => JSON.parse((await request(m, p, b, { raw: true })).bytes.toString('utf8'));

async function waitTask(t) {
  for (let i = 0; i < 7200; i++) {
    const s = await json('GET', `/tasks/${t.taskUid}`);
    if (s.status === 'succeeded') return s;
    if (s.status === 'failed') throw new Error(JSON.stringify(s.error));
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('task timeout');
}

/** One multi-search as the browser sends it: server time, raw bytes, bytes as sent compressed. */
async function measure(queries) {
  const t0 = performance.now();
  const compressed = await request('POST', '/multi-search', { queries });
  const ms = performance.now() - t0;
  const raw = await request('POST', '/multi-search', { queries }, { raw: true });
  return { ms, rawBytes: raw.bytes.length, sentBytes: compressed.bytes.length, encoding: compressed.encoding, results: JSON.parse(raw.bytes).results };
}

// the first results on the slow profile: request and answer over one RTT, answer bytes at 400 kbit/s
const modelMs = (m) => RTT_MS + (m.sentBytes * 8) / KBIT + m.ms;
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(0.95 * s.length))]; };

const OLD_FIELDS = ['doc_id', 'listing_id', '_geo', 'name', 'city', 'country', 'focus', 'languages', 'online', 'has_alerts'];
const oldBase = (state) => ({ indexUid: INDEX, q: '', filter: [], limit: 10000, offset: 0, attributesToRetrieve: OLD_FIELDS, facets: ['country', 'city', 'focus', 'languages'] });

async function main() {
  const gen = bigDocuments(PLACES);
  if (LOAD) {
    await waitTask(await json('POST', '/indexes', { uid: INDEX, primaryKey: 'doc_id' }));
    await waitTask(await json('PATCH', `/indexes/${INDEX}/settings`, INDEX_SETTINGS));
    for (let i = 0; i < gen.docs.length; i += 10000) await waitTask(await json('POST', `/indexes/${INDEX}/documents`, gen.docs.slice(i, i + 10000)));
    if (LOAD_ONLY) { console.log(JSON.stringify({ loaded: gen.places, organisations: gen.organisations })); return; }
  }
  const state = { q: '', sel: emptySelection() };
  const out = { places: gen.places, organisations: gen.organisations, profile: `${KBIT} kbit/s, ${RTT_MS} ms RTT (model)` };

  // old design: base query (all places up to 10,000) + list query, one request
  const oldFirst = await measure([oldBase(state), buildListQuery(state, INDEX, { page: 0 })]);
  const oldHits = oldFirst.results[0].hits;
  out.old = {
    first: { serverMs: Math.round(oldFirst.ms), rawKB: +(oldFirst.rawBytes / 1024).toFixed(1), sentKB: +(oldFirst.sentBytes / 1024).toFixed(1), encoding: oldFirst.encoding, firstResultsModelMs: Math.round(modelMs(oldFirst)) },
    placesDrawn: oldHits.filter((h) => h._geo).length,
    organisationsCounted: new Set(oldHits.map((h) => h.listing_id)).size,
  };

  // new design: counts + places + map (world view at zoom 3) + list, one request
  const c = buildCountQueries(state, INDEX);
  const level = levelForZoom(3);
  const queries = [...c.queries, buildPlacesQuery(state, INDEX), ...buildMapQueries(state, INDEX, { bbox: null, level }), buildListQuery(state, INDEX, { page: 0 })];
  const first = await measure(queries);
  const n = c.queries.length;
  out.new = {
    first: { serverMs: Math.round(first.ms), rawKB: +(first.rawBytes / 1024).toFixed(1), sentKB: +(first.sentBytes / 1024).toFixed(1), encoding: first.encoding, firstResultsModelMs: Math.round(modelMs(first)) },
    placesDrawn: total(first.results[n + 1].facetDistribution?.[cellField(level)]),
    organisationsCounted: c.read(first.results.slice(0, n)).total,
  };

  // pan/zoom: random boxes around the generated places' cities at zoom 4-12 (map queries + list, as the site sends)
  let seed = 11;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const times = [];
  for (let i = 0; i < PANS; i++) {
    const d = gen.docs[Math.floor(rand() * gen.docs.length)]._geo;
    const zoom = 4 + Math.floor(rand() * 9);
    const halfW = 360 / 2 ** zoom * 2.5, halfH = halfW * 0.6;
    const bbox = { north: d.lat + halfH, south: d.lat - halfH, east: d.lng + halfW, west: d.lng - halfW };
    const qs = [...buildMapQueries(state, INDEX, { bbox, level: levelForZoom(zoom) }), buildListQuery(state, INDEX, { bbox, page: 0 })];
    const t0 = performance.now();
    const r = await request('POST', '/multi-search', { queries: qs });
    if (r.status !== 200) throw new Error('pan answer ' + r.status);
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  out.new.panZoom = { n: PANS, p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)]), p95Ms: Math.round(p95(times)) };
  console.log(JSON.stringify(out, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
