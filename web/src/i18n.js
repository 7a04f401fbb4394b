// UI translations, plurals (Intl.PluralRules), dates (Intl.DateTimeFormat) and language fallback for
// multilingual document text. No dependencies; messages live in ./messages.js.
import { MESSAGES } from './messages.js';

export const UI_LANGUAGES = Object.freeze(['en', 'ru', 'uk', 'de']);
export const DEFAULT_LANGUAGE = 'en';

function base(tag) {
  return String(tag || '').toLowerCase().split(/[-_]/)[0];
}

/** Choose a UI language from a list of BCP 47 tags (navigator.languages), in order. */
export function negotiateLanguage(preferred, supported = UI_LANGUAGES) {
  for (const tag of preferred || []) {
    const b = base(tag);
    if (supported.includes(b)) return b;
    // Belarusian readers usually read Russian better than English
    if (b === 'be' && supported.includes('ru')) return 'ru';
  }
  return DEFAULT_LANGUAGE;
}

/** Fallback chain for document text: UI language, the visitor's other languages, English, Russian. */
export function fallbackChain(lang, preferred = []) {
  const chain = [];
  const add = (t) => { const b = base(t); if (b && !chain.includes(b)) chain.push(b); };
  add(lang);
  for (const p of preferred) add(p);
  add('en');
  add('ru');
  return chain;
}

/**
 * Pick text from a {lang: text} object. Returns {text, lang} where lang is the tag actually used
 * (so the UI can mark it with a lang attribute and say "shown in ..."), or null.
 */
export function pickText(obj, chain) {
  if (obj == null) return null;
  if (typeof obj === 'string') return obj ? { text: obj, lang: null } : null;
  if (typeof obj !== 'object') return null;
  const entries = Object.entries(obj).filter(([, v]) => typeof v === 'string' && v.trim() !== '');
  if (entries.length === 0) return null;
  for (const want of chain) {
    const exact = entries.find(([k]) => k.toLowerCase() === want);
    if (exact) return { text: exact[1], lang: exact[0] };
    const byBase = entries.find(([k]) => base(k) === want);
    if (byBase) return { text: byBase[1], lang: byBase[0] };
  }
  const [k, v] = entries.sort(([a], [b]) => a.localeCompare(b))[0];
  return { text: v, lang: k };
}

/** English gazetteer name → {en, ru, uk, de} (protocol/Geo/gazetteer.json). */
export function cityNameIndex(gazetteer) {
  const m = new Map();
  for (const c of (gazetteer && gazetteer.cities) || []) if (!m.has(c.name)) m.set(c.name, c.names || {});
  return m;
}

function interpolate(str, vars) {
  return str.replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
}

/** Create a translator for one UI language. */
export function createI18n(lang, { preferred = [], vocabulary = null, gazetteer = null, messages = MESSAGES } = {}) {
  const ui = UI_LANGUAGES.includes(lang) ? lang : DEFAULT_LANGUAGE;
  const table = messages[ui] || {};
  const fallback = messages[DEFAULT_LANGUAGE] || {};
  const pluralRules = new Intl.PluralRules(ui);
  const numberFmt = new Intl.NumberFormat(ui);
  const dateFmt = new Intl.DateTimeFormat(ui, { dateStyle: 'long', timeZone: 'UTC' });
  const dateTimeFmt = new Intl.DateTimeFormat(ui, { dateStyle: 'medium', timeStyle: 'short' });
  let regionNames = null, languageNames = null;
  try { regionNames = new Intl.DisplayNames([ui], { type: 'region' }); } catch { /* old engine */ }
  try { languageNames = new Intl.DisplayNames([ui], { type: 'language' }); } catch { /* old engine */ }
  const chain = fallbackChain(ui, preferred);
  const focusLabels = new Map();
  for (const area of (vocabulary && vocabulary.areas) || []) focusLabels.set(area.code, area.labels || {});
  const cityNames = cityNameIndex(gazetteer);

  function lookup(key) {
    if (key in table) return table[key];
    if (key in fallback) return fallback[key];
    return key;
  }

  /** Translate a key; if the message is a plural object, vars.n selects the form. */
  function t(key, vars = {}) {
    const msg = lookup(key);
    if (typeof msg === 'string') return interpolate(msg, vars);
    const n = Number(vars.n ?? 0);
    const form = pluralRules.select(n);
    const str = msg[form] ?? msg.other ?? msg.many ?? Object.values(msg)[0];
    return interpolate(str, { ...vars, n: numberFmt.format(n) });
  }

  function formatDate(iso) {
    if (!iso) return '';
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso));
    const d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return m ? dateFmt.format(d) : dateTimeFmt.format(d);
  }

  function region(code) {
    if (!code) return '';
    try { return (regionNames && regionNames.of(String(code).toUpperCase())) || code; } catch { return code; }
  }

  function language(code) {
    if (!code) return '';
    try {
      const name = languageNames && languageNames.of(String(code));
      return name && name !== code ? name : code;
    } catch { return code; }
  }

  function focus(code) {
    const labels = focusLabels.get(code);
    if (!labels) return code;
    return labels[ui] || labels[DEFAULT_LANGUAGE] || code;
  }

  /** A city as listings name it (English gazetteer name) in the UI language; unknown cities as they are. */
  function city(name) {
    if (!name) return '';
    const names = cityNames.get(String(name));
    return (names && names[ui]) || String(name);
  }

  return {
    lang: ui, chain, t, formatDate, region, language, focus, city,
    number: (n) => numberFmt.format(n),
    text: (obj) => pickText(obj, chain),
    focusCodes: () => [...focusLabels.keys()],
  };
}
