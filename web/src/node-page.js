// Shared start-up of the node's own pages (propose, receipt, console; built by `vite build --mode node`).
// Language: ?lang= in the URL, else the one chosen earlier (localStorage, never a cookie), else the browser's.
// Everything on these pages talks to the node that served them (same origin) and nowhere else.
import { createI18n, negotiateLanguage, UI_LANGUAGES } from './i18n.js';
import { MESSAGES } from './messages.js';
import { NODE_MESSAGES } from './node-messages.js';
import './node.css';

const LANG_KEY = 'atlas.lang';

/** Map-site messages, the node pages' shared ones on top, then a page's own tables (one key space, same conventions). */
export function pageMessages(...extra) {
  return Object.fromEntries(UI_LANGUAGES.map((l) => [l, Object.assign({}, MESSAGES[l], NODE_MESSAGES[l], ...extra.map((t) => t[l] || {}))]));
}

export function preferredLanguages() {
  return [...(navigator.languages || [navigator.language || 'en'])];
}

function storedLanguage() {
  try { return localStorage.getItem(LANG_KEY); } catch { return null; }
}

function storeLanguage(lang) {
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* storage disabled: the URL still carries it */ }
}

/** ?lang= first, then the remembered choice, then the browser's languages. */
export function initialLanguage(search = location.search, stored = storedLanguage(), preferred = preferredLanguages()) {
  const fromUrl = new URLSearchParams(search).get('lang');
  if (fromUrl && UI_LANGUAGES.includes(fromUrl)) return fromUrl;
  if (stored && UI_LANGUAGES.includes(stored)) return stored;
  return negotiateLanguage(preferred);
}

/** Translate the static markup (data-i18n, data-i18n-placeholder, data-i18n-aria-label) inside root. */
export function applyStatic(i18n, root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = i18n.t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = i18n.t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', i18n.t(el.dataset.i18nAriaLabel));
}

/**
 * Start a node page. `messages`: extra { en: {...}, ru: {...}, … } tables of this page (e.g. the console's).
 * `render(i18n)` draws the page and is called again after every language switch (it must
 * rebuild from its own state, so nothing typed is lost). `titleKey` names the page in the document title.
 * Resolves with { i18n, vocabulary, descriptor } once the first render is done.
 */
export async function startNodePage({ titleKey, render, vocabulary: wantVocabulary = false, messages = [] }) {
  const table = pageMessages(...messages);
  const [descriptor, vocabulary] = await Promise.all([
    getJson('/.well-known/atlas-node'),
    wantVocabulary ? getJson('/api/vocabulary') : Promise.resolve(null),
  ]);
  const state = { i18n: null, vocabulary, descriptor };
  const select = document.getElementById('lang-select');
  const setLanguage = (lang, remember) => {
    state.i18n = createI18n(lang, { preferred: preferredLanguages(), vocabulary, messages: table });
    const { i18n } = state;
    document.documentElement.lang = i18n.lang;
    const nodeName = descriptor && descriptor.name ? String(descriptor.name) : 'Atlas';
    document.getElementById('node-name').textContent = nodeName;
    document.title = `${i18n.t(titleKey)} — ${nodeName}`;
    applyStatic(i18n);
    select.value = i18n.lang;
    if (remember) storeLanguage(i18n.lang);
    const url = new URL(location.href);
    url.searchParams.set('lang', i18n.lang);
    history.replaceState(history.state, '', url);
    render(i18n);
  };
  select.addEventListener('change', () => setLanguage(select.value, true));
  setLanguage(initialLanguage(), false);
  document.body.dataset.ready = 'true';
  return state;
}

async function getJson(path) {
  try {
    const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    return r.ok ? await r.json() : null;
  } catch { return null; }
}
