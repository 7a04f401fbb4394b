import { describe, expect, it } from 'vitest';
import { draftFromOrganisation, emptyDraft, findPlace, localErrors, parseServiceArea, placeError, suggestPlaces, toSubmission } from '../src/propose-form.js';

const PLACES = [
  { name: 'Tbilisi', country: 'GE', names: { ru: 'Тбилиси', uk: 'Тбілісі' }, variants: ['Tiflis'] },
  { name: 'Yerevan', country: 'AM', names: { ru: 'Ереван' }, variants: [] },
  { name: 'Berlin', country: 'DE', names: { ru: 'Берлин' }, variants: [] },
];

describe('propose form', () => {
  it('builds the submission: texts per language, city precision by default, only an exact address is sent, empty rows dropped', () => {
    const d = emptyDraft('ru');
    d.texts[0].name = ' Группа ';
    d.texts.push({ lang: 'en', name: 'Group', description: 'Helps.' });
    d.focus = ['legal-aid']; d.languages = ['ru'];
    d.locations = [
      { kind: 'physical', city: 'Tbilisi', country: 'GE', precision: 'city', address: 'typed but not chosen', serviceArea: '' },
      { kind: 'physical', city: 'Yerevan', country: 'AM', precision: 'exact', address: 'Abovyan 1', serviceArea: '' },
      { kind: 'online', city: '', country: '', precision: 'city', address: '', serviceArea: 'de, ge' },
    ];
    d.contacts = [{ kind: 'email', value: 'a@b.example', visibility: 'public', press: true }, { kind: 'phone', value: ' ', visibility: 'hidden', press: false }];
    const body = toSubmission(d);
    expect(body.organisation.name).toEqual({ ru: 'Группа', en: 'Group' });
    expect(body.organisation.description).toEqual({ en: 'Helps.' });
    expect(body.organisation.locations).toEqual([
      { kind: 'physical', city: 'Tbilisi', country: 'GE', precision: 'city' },
      { kind: 'physical', city: 'Yerevan', country: 'AM', precision: 'exact', address: 'Abovyan 1' },
      { kind: 'online', service_area: ['DE', 'GE'] },
    ]);
    expect(body.organisation.contacts).toEqual([{ kind: 'email', value: 'a@b.example', visibility: 'public', press: true }]);
    expect(body).not.toHaveProperty('submitter_email');
    expect(body).not.toHaveProperty('honeypot');
    expect(parseServiceArea('')).toEqual(['*']);
  });

  it('finds cities by any name and suggests by prefix', () => {
    expect(findPlace(PLACES, 'тбилиси').name).toBe('Tbilisi');
    expect(findPlace(PLACES, 'Tiflis').country).toBe('GE');
    expect(findPlace(PLACES, 'Nowhere')).toBeNull();
    expect(suggestPlaces(PLACES, 'Ер').map((p) => p.name)).toEqual(['Yerevan', 'Berlin']); // prefix first, then contained
    expect(suggestPlaces(PLACES, 'i').map((p) => p.name)).toEqual(['Berlin', 'Tbilisi']); // contained, alphabetical
  });

  it('maps the node’s field paths to the inputs they belong to', () => {
    const d = emptyDraft('ru');
    d.texts.push({ lang: 'en', name: '', description: '' });
    d.locations.push({ kind: 'online', serviceArea: 'x' });
    expect(placeError('organisation.name.en', d)).toEqual({ anchor: 'texts.1.name', key: 'name' });
    expect(placeError('organisation.name', d)).toEqual({ anchor: 'texts.0.name', key: 'name' });
    expect(placeError('organisation.locations[0].country', d)).toEqual({ anchor: 'locations.0.city', key: 'country' });
    expect(placeError('organisation.locations[1].service_area', d)).toEqual({ anchor: 'locations.1.serviceArea', key: 'serviceArea' });
    expect(placeError('organisation.contacts[2].value', d)).toEqual({ anchor: 'contacts.2.value', key: 'contact.value' });
    expect(placeError('organisation.focus[0]', d)).toEqual({ anchor: 'focus', key: 'focus' });
    expect(placeError('organisation.website', d)).toEqual({ anchor: 'website', key: 'website' });
    expect(placeError('submitter_email', d)).toEqual({ anchor: 'email', key: 'email' });
    expect(placeError('something.new', d)).toEqual({ anchor: 'form', key: 'field' });
  });

  it('asks for what the node requires before sending anything', () => {
    expect(Object.keys(localErrors(emptyDraft('en'))).sort()).toEqual(['organisation.focus', 'organisation.languages', 'organisation.locations[0].city', 'organisation.name']);
  });

  it('prefills a correction from the published organisation, every contact public', () => {
    const d = draftFromOrganisation({
      name: { en: 'Desk' }, description: { ru: 'Служба' }, focus: ['legal-aid'], languages: ['ru'],
      locations: [{ kind: 'physical', city: 'Berlin', country: 'DE', precision: 'city', lat: 52.5, lon: 13.4 }, { kind: 'online', service_area: ['*'] }],
      contacts: [{ kind: 'email', value: 'd@e.example', press: false }], relationships: [{ type: 'member_of', target: 'x' }],
    }, 'listing-1', { x: 'Coalition' });
    expect(d.listingId).toBe('listing-1');
    expect(d.texts).toEqual([{ lang: 'en', name: 'Desk', description: '' }, { lang: 'ru', name: '', description: 'Служба' }]);
    expect(d.contacts[0].visibility).toBe('public');
    expect(d.relationships[0].label).toBe('Coalition');
    expect(toSubmission(d).listing_id).toBe('listing-1');
    expect(toSubmission(d).organisation.locations[1]).toEqual({ kind: 'online', service_area: ['*'] });
  });
});
