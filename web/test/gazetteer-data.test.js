import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { countryNames, render, OUT } from '../scripts/country-names.mjs';
import gazetteer from '../../protocol/Geo/gazetteer.json';
import vocabulary from '../../protocol/Vocabulary/focus-areas.json';

describe('gazetteer data', () => {
  it('country-names.json is what the i18n-iso-countries package gives (regenerate: node scripts/country-names.mjs)', () => {
    expect(readFileSync(OUT, 'utf8')).toBe(render(countryNames()));
  });
  it('every gazetteer city has names in en, ru, uk, de and a country with names', () => {
    const countries = JSON.parse(readFileSync(OUT, 'utf8'));
    for (const c of gazetteer.cities) {
      expect(Object.keys(c.names).sort()).toEqual(['de', 'en', 'ru', 'uk']);
      expect(c.names.en).toBe(c.name);
      expect(countries[c.country]?.ru?.length).toBeGreaterThan(0);
    }
  });
  it('every focus area has synonyms in each UI language', () => {
    for (const a of vocabulary.areas) {
      for (const l of ['en', 'ru', 'uk', 'de']) expect(a.synonyms?.[l]?.length, `${a.code} ${l}`).toBeGreaterThan(0);
    }
  });
});
