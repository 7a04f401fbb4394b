import { describe, it, expect } from 'vitest';
import { orgFields, diffOrgs, isOverdue, newestFirst, filterOrgs, orgName } from '../src/console-diff.js';

const base = {
  name: { en: 'Legal Aid Berlin', ru: 'Юрпомощь Берлин' },
  description: { en: 'Helps.' },
  focus: ['legal-aid'],
  languages: ['ru', 'en'],
  locations: [{ kind: 'physical', city: 'Berlin', country: 'DE', precision: 'city' }],
  contacts: [{ kind: 'email', value: 'info@example.org', visibility: 'public' }, { kind: 'phone', value: '+4930', visibility: 'hidden' }],
  website: 'https://example.org',
};

describe('console diff', () => {
  it('lists fields in order and marks contacts that never leave the node', () => {
    const f = orgFields(base);
    expect(f.map((x) => x.key)).toEqual(['name.en', 'name.ru', 'description.en', 'focus', 'languages', 'locations[0]', 'contacts[0]', 'contacts[1]', 'website']);
    expect(f.find((x) => x.key === 'contacts[1]').private).toBe(true);
    expect(f.find((x) => x.key === 'contacts[0]').private).toBe(false);
    expect(f.find((x) => x.key === 'locations[0]').value).toBe('Berlin, DE');
  });

  it('shows only changed, added and removed fields', () => {
    const after = { ...base, name: { en: 'Legal Aid Berlin e.V.', ru: 'Юрпомощь Берлин' }, website: undefined, locations: [...base.locations, { kind: 'physical', city: 'Tbilisi', country: 'GE' }] };
    expect(diffOrgs(base, after)).toEqual([
      { key: 'name.en', before: 'Legal Aid Berlin', after: 'Legal Aid Berlin e.V.', private: false },
      { key: 'locations[1]', before: null, after: 'Tbilisi, GE', private: false },
      { key: 'website', before: 'https://example.org', after: null, private: false },
    ]);
    expect(diffOrgs(base, structuredClone(base))).toEqual([]);
  });

  it('a new organisation diffs against nothing as all additions', () => {
    expect(diffOrgs(null, base).every((r) => r.before === null)).toBe(true);
  });

  it('review dates, order and search', () => {
    expect(isOverdue('2026-01-01', '2026-06-01')).toBe(true);
    expect(isOverdue('2026-06-01', '2026-06-01')).toBe(false);
    expect(isOverdue(undefined, '2026-06-01')).toBe(false);
    expect(newestFirst([{ id: 1, created_at: 5 }, { id: 2, created_at: 9 }, { id: 3, created_at: 9 }]).map((s) => s.id)).toEqual([3, 2, 1]);
    const orgs = [{ organisation: base }, { organisation: { name: { en: 'Exile Media' } } }];
    expect(filterOrgs(orgs, 'берлин')).toHaveLength(1);
    expect(filterOrgs(orgs, '')).toHaveLength(2);
    expect(orgName(base, 'ru')).toBe('Юрпомощь Берлин');
    expect(orgName(base, 'de')).toBe('Legal Aid Berlin');
  });
});
