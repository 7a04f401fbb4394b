// A generated index with more places than any single search answer may hold (the old design's 10,000-hit cap),
// for the "the map shows every place" test. Deterministic (seeded), fictional, around gazetteer cities on the
// 0.01° privacy grid. Also returns the counts the test compares with, computed here from the documents.
import { readFileSync } from 'node:fs';
import { completeAll } from './documents.mjs';

const gazetteer = JSON.parse(readFileSync(new URL('../../protocol/Geo/gazetteer.json', import.meta.url), 'utf8'));

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

const FOCUS = ['legal-aid', 'relocation', 'housing', 'media', 'anti-war', 'labour', 'psychological-support'];
const grid = (x) => Math.round(x * 100) / 100;

export function bigDocuments(places = 30000, seed = 7) {
  const rand = rng(seed);
  const cities = gazetteer.cities;
  const docs = [];
  let n = 0;
  while (docs.length < places) {
    n++;
    const listing_id = `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const k = Math.min(places - docs.length, 1 + Math.floor(rand() * 3));
    const chosen = Array.from({ length: k }, () => cities[Math.floor(rand() * cities.length)]);
    const focus = [FOCUS[n % FOCUS.length]];
    const common = {
      listing_id, node: 'generated', node_name: 'Generated', name: { en: `Generated group ${n}` }, description: {},
      focus, languages: ['ru'], cities: [...new Set(chosen.map((c) => c.name))], countries: [...new Set(chosen.map((c) => c.country))],
      online: false, contacts: [], has_contact: false, has_press_contact: false, website: null, channels: [], relationships: [],
      org_status: 'active', scope: 'local', last_confirmed: '2026-09-14', review_by: '2027-09-14', endorsed_by: [], endorsed: false,
      alerts: [], has_alerts: false, updated_at: 1790000000 + n,
    };
    chosen.forEach((c, i) => {
      const lat = grid(c.lat + (rand() - 0.5) * 0.6), lng = grid(c.lon + (rand() - 0.5) * 0.9);
      docs.push({ ...common, doc_id: `${listing_id}_${i}`, city: c.name, country: c.country,
        place: { kind: 'physical', city: c.name, country: c.country, precision: 'city' }, _geo: { lat, lng } });
    });
  }
  const organisations = new Set(docs.map((d) => d.listing_id)).size;
  const byCity = {};
  for (const d of docs) (byCity[d.city] ||= new Set()).add(d.listing_id);
  return {
    docs: completeAll(docs), places: docs.length, organisations,
    cityCounts: Object.fromEntries(Object.entries(byCity).map(([c, s]) => [c, s.size])),
  };
}
