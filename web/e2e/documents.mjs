// Test-side completion of hand-made search documents with the derived fields the indexer writes
// (indexer/Search/DocumentBuilder.cs: primary, place_names, focus_labels, city_focus, cell_4 … cell_16), from the
// same data files (gazetteer, country names, vocabulary) and the same cell arithmetic (web/src/cells.js), so the
// fixtures and the generated large index look like the indexer's output.
import { readFileSync } from 'node:fs';
import { LEVELS, cellField, cellId } from '../src/cells.js';

const read = (rel) => JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));
const gazetteer = read('../../protocol/Geo/gazetteer.json');
const countryNames = read('../../protocol/Geo/country-names.json');
const vocabulary = read('../../protocol/Vocabulary/focus-areas.json');

const uniq = (xs) => [...new Set(xs)];

function cityNames(city, country) {
  const g = gazetteer.cities.find((c) => c.country === country && (c.name === city || c.variants.includes(city)));
  return g ? uniq([g.name, ...g.variants, ...Object.values(g.names)]) : [city];
}

export function focusTerms(code) {
  const a = vocabulary.areas.find((x) => x.code === code);
  return a ? uniq([...Object.values(a.labels), ...Object.values(a.synonyms || {}).flat()]) : [];
}

/** Adds the derived fields to the documents of ONE organisation (in doc_id order). */
export function complete(docs) {
  const physical = docs.filter((d) => d.city);
  const placeNames = uniq(physical.flatMap((d) => [...cityNames(d.city, d.country), ...Object.values(countryNames[d.country] || {}).flat()]));
  const focus = docs[0].focus || [];
  const cities = uniq(physical.map((d) => d.city));
  const derived = {
    place_names: placeNames, focus_labels: uniq(focus.flatMap(focusTerms)),
    city_focus: uniq(cities.flatMap((c) => focus.map((f) => `${c}|${f}`))),
  };
  return docs.map((d, i) => {
    const out = { ...d, ...derived, primary: i === 0 };
    if (d._geo) for (const l of LEVELS) out[cellField(l)] = cellId(l, d._geo.lat, d._geo.lng);
    return out;
  });
}

/** Derived fields for documents of many organisations (grouped by listing_id). */
export function completeAll(docs) {
  const by = new Map();
  for (const d of docs) { if (!by.has(d.listing_id)) by.set(d.listing_id, []); by.get(d.listing_id).push(d); }
  return [...by.values()].flatMap(complete);
}
