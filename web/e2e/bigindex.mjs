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

const WORDS_A = ['Free', 'Open', 'Solidarity', 'Harbour', 'Bridge', 'Northern', 'Civic', 'Safe', 'Independent', 'Mutual', 'New', 'Common'];
const WORDS_B = ['Aid', 'Voices', 'House', 'Network', 'Circle', 'Initiative', 'Fund', 'Collective', 'Support', 'Lab', 'Union', 'Hub'];

/**
 * A generated network of `n` organisations (fictional) with relationships, for the "network view stays readable with
 * 200 organisations" test: 12 umbrella networks; every other organisation is a member of one of them, and every
 * fourth is a partner of the one before it. Names differ in length like real ones. Returns the documents and, for the
 * test, the neighbours of every organisation computed here.
 */
export function networkDocuments(n = 200, seed = 11) {
  const rand = rng(seed);
  const cities = gazetteer.cities;
  const id = (i) => `20000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
  const name = (i) => (i < 12 ? `${WORDS_A[i]} Umbrella Network` : `${WORDS_A[i % 12]} ${WORDS_B[Math.floor(i / 12) % 12]} ${i}${i % 5 === 0 ? ' for Relocated People' : ''}`);
  const docs = [];
  const neighbours = new Map(Array.from({ length: n }, (_, i) => [id(i), new Set()]));
  const link = (a, b) => { neighbours.get(a).add(b); neighbours.get(b).add(a); };
  for (let i = 0; i < n; i++) {
    const relationships = [];
    if (i >= 12) { relationships.push({ type: 'member_of', target: id(i % 12), target_name: { en: name(i % 12) } }); link(id(i), id(i % 12)); }
    if (i >= 13 && i % 4 === 0) { relationships.push({ type: 'partner_of', target: id(i - 1), target_name: { en: name(i - 1) } }); link(id(i), id(i - 1)); }
    const c = cities[Math.floor(rand() * cities.length)];
    docs.push({
      doc_id: `${id(i)}_0`, listing_id: id(i), node: 'generated', node_name: 'Generated', name: { en: name(i) }, description: {},
      focus: [FOCUS[i % FOCUS.length]], languages: ['ru'], cities: [c.name], countries: [c.country], city: c.name, country: c.country,
      place: { kind: 'physical', city: c.name, country: c.country, precision: 'city' }, _geo: { lat: grid(c.lat), lng: grid(c.lon) },
      online: false, contacts: [], has_contact: false, has_press_contact: false, website: null, channels: [], relationships,
      org_status: 'active', scope: 'local', last_confirmed: '2026-09-14', review_by: '2027-09-14', endorsed_by: [], endorsed: false,
      alerts: [], has_alerts: false, updated_at: 1790000000 + i,
    });
  }
  return { docs: completeAll(docs), organisations: n, names: Object.fromEntries(docs.map((d) => [d.listing_id, d.name.en])),
    neighbours: Object.fromEntries([...neighbours].map(([k, v]) => [k, [...v].sort()])) };
}
