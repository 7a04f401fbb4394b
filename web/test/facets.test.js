import { describe, it, expect } from 'vitest';
import { facetCounts, applySelection, facetCountsFromDistribution, countOrganisations } from '../src/facets.js';
import { emptySelection } from '../src/search.js';

const docs = [
  { listing_id: 'A', city: 'Berlin', country: 'DE', focus: ['legal-aid', 'housing'], languages: ['ru', 'de'] },
  { listing_id: 'A', city: 'Tbilisi', country: 'GE', focus: ['legal-aid', 'housing'], languages: ['ru', 'de'] },
  { listing_id: 'B', city: 'Berlin', country: 'DE', focus: ['media'], languages: ['ru'] },
  { listing_id: 'C', city: null, country: null, focus: ['legal-aid'], languages: ['en'] },
];
const get = (counts, facet, v) => counts[facet].find((x) => x.value === v)?.count;

describe('facet counts', () => {
  it('count organisations, not places', () => {
    const c = facetCounts(docs, emptySelection());
    expect(get(c, 'focus', 'legal-aid')).toBe(2);
    expect(get(c, 'languages', 'ru')).toBe(2);
    expect(get(c, 'city', 'Berlin')).toBe(2);
    expect(c.city.map((x) => x.value)).toEqual(['Berlin', 'Tbilisi']); // online-only has no city
  });
  it('are disjunctive within a group and conjunctive across groups', () => {
    const sel = emptySelection();
    sel.city.add('Tbilisi');
    const c = facetCounts(docs, sel);
    expect(get(c, 'city', 'Berlin')).toBe(2); // own group ignored
    expect(get(c, 'focus', 'media')).toBeUndefined(); // B is not in Tbilisi
    expect(get(c, 'focus', 'legal-aid')).toBe(1);
  });
  it('keep selected values even with zero count', () => {
    const sel = emptySelection();
    sel.focus.add('media'); sel.city.add('Tbilisi');
    expect(get(facetCounts(docs, sel), 'focus', 'media')).toBe(0);
  });
  it('applySelection filters places', () => {
    const sel = emptySelection();
    sel.focus.add('housing');
    expect(applySelection(docs, sel).map((d) => d.city)).toEqual(['Berlin', 'Tbilisi']);
    expect(countOrganisations(applySelection(docs, sel))).toBe(1);
  });
  it('fallback from Meilisearch facetDistribution', () => {
    const c = facetCountsFromDistribution({ city: { Paris: 3, Berlin: 5 } }, emptySelection());
    expect(c.city).toEqual([{ value: 'Berlin', count: 5 }, { value: 'Paris', count: 3 }]);
    expect(c.focus).toEqual([]);
  });
});
