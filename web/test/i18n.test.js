import { describe, it, expect } from 'vitest';
import { createI18n, negotiateLanguage, pickText, fallbackChain } from '../src/i18n.js';
import { MESSAGES } from '../src/messages.js';
import vocabulary from '../../protocol/Vocabulary/focus-areas.json';

describe('language negotiation', () => {
  it('picks the first supported base language', () => {
    expect(negotiateLanguage(['fr-FR', 'uk-UA', 'en'])).toBe('uk');
    expect(negotiateLanguage(['de-AT'])).toBe('de');
    expect(negotiateLanguage(['be-BY'])).toBe('ru');
    expect(negotiateLanguage(['ka'])).toBe('en');
    expect(negotiateLanguage([])).toBe('en');
  });
});

describe('text fallback', () => {
  it('uses the UI language, then the visitor languages, then English, then Russian', () => {
    expect(fallbackChain('uk', ['de-DE', 'uk'])).toEqual(['uk', 'de', 'en', 'ru']);
    const name = { en: 'Harbour', ru: 'Гавань', 'de-CH': 'Hafen' };
    expect(pickText(name, ['ru', 'en'])).toEqual({ text: 'Гавань', lang: 'ru' });
    expect(pickText(name, ['de', 'en'])).toEqual({ text: 'Hafen', lang: 'de-CH' });
    expect(pickText(name, ['uk', 'en', 'ru'])).toEqual({ text: 'Harbour', lang: 'en' });
    expect(pickText({ fr: 'Clinique' }, ['uk', 'en', 'ru'])).toEqual({ text: 'Clinique', lang: 'fr' });
    expect(pickText({ en: '  ', ru: 'x' }, ['en', 'ru'])).toEqual({ text: 'x', lang: 'ru' });
    expect(pickText({}, ['en'])).toBeNull();
    expect(pickText(null, ['en'])).toBeNull();
  });
});

describe('plurals', () => {
  const ru = createI18n('ru');
  const uk = createI18n('uk');
  const en = createI18n('en');
  const de = createI18n('de');
  it('Russian one/few/many', () => {
    expect(ru.t('results.count', { n: 1 })).toBe('1 организация');
    expect(ru.t('results.count', { n: 3 })).toBe('3 организации');
    expect(ru.t('results.count', { n: 5 })).toBe('5 организаций');
    expect(ru.t('results.count', { n: 11 })).toBe('11 организаций');
    expect(ru.t('results.count', { n: 21 })).toBe('21 организация');
    expect(ru.t('results.count', { n: 22 })).toBe('22 организации');
    expect(ru.t('results.count', { n: 1000 })).toBe('1\u00a0000 организаций');
  });
  it('Ukrainian one/few/many', () => {
    expect(uk.t('network.summary', { n: 1 })).toBe('1 звʼязок');
    expect(uk.t('network.summary', { n: 4 })).toBe('4 звʼязки');
    expect(uk.t('network.summary', { n: 12 })).toBe('12 звʼязків');
  });
  it('English and German one/other', () => {
    expect(en.t('results.count', { n: 1 })).toBe('1 organisation');
    expect(en.t('results.count', { n: 0 })).toBe('0 organisations');
    expect(de.t('results.count', { n: 2 })).toBe('2 Organisationen');
  });
  it('every plural message of ru/uk has one, few and many', () => {
    for (const lang of ['ru', 'uk']) {
      for (const [k, v] of Object.entries(MESSAGES[lang])) {
        if (typeof v === 'object') expect(Object.keys(v), `${lang} ${k}`).toEqual(expect.arrayContaining(['one', 'few', 'many']));
      }
    }
  });
  it('every language translates every English key (or deliberately reuses English brand words)', () => {
    const allowedMissing = new Set(['app.title', 'export.csv', 'export.geojson', 'export.json', 'contact.telegram', 'contact.signal', 'contact.whatsapp', 'rel.member_of.in']);
    for (const lang of ['ru', 'uk', 'de']) {
      const missing = Object.keys(MESSAGES.en).filter((k) => !(k in MESSAGES[lang]) && !allowedMissing.has(k));
      expect(missing, lang).toEqual([]);
    }
  });
});

describe('formatting and vocabulary', () => {
  it('formats ISO dates in the local format without time-zone drift', () => {
    expect(createI18n('de').formatDate('2026-09-14')).toBe('14. September 2026');
    expect(createI18n('ru').formatDate('2026-09-14')).toBe('14 сентября 2026 г.');
    expect(createI18n('en').formatDate('2026-01-01')).toBe('January 1, 2026');
    expect(createI18n('en').formatDate('garbage')).toBe('garbage');
  });
  it('falls back to English messages and to the key', () => {
    const i = createI18n('de', { messages: { en: { a: 'A', b: 'B' }, de: { a: 'Ä' } } });
    expect(i.t('a')).toBe('Ä');
    expect(i.t('b')).toBe('B');
    expect(i.t('zzz')).toBe('zzz');
    expect(createI18n('xx').lang).toBe('en');
  });
  it('labels focus areas from the protocol vocabulary, with fallback to the code', () => {
    const i = createI18n('uk', { vocabulary });
    expect(i.focus('legal-aid')).toBe('Юридична допомога');
    expect(i.focus('unknown-code')).toBe('unknown-code');
    expect(i.focusCodes()).toContain('relocation');
    expect(createI18n('de').region('GE')).toBe('Georgien');
    expect(createI18n('ru').language('uk')).toBe('украинский');
  });
});
