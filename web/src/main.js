// Atlas map site: wiring of state, search, map, list, card, network, statistics and export.
import './style.css';
import bundledVocabulary from '../../protocol/Vocabulary/focus-areas.json';
import { loadConfig } from './config.js';
import { createI18n, negotiateLanguage, UI_LANGUAGES } from './i18n.js';
import {
  createClient, buildBaseQuery, buildListQuery, buildNetworkQuery, buildExportQuery, buildListingQuery,
  emptySelection, FACETS, PAGE_SIZE, MAX_HITS,
} from './search.js';
import { applySelection, facetCounts, facetCountsFromDistribution, matches } from './facets.js';
import { toPoints } from './cluster.js';
import { roundPosition } from './geo.js';
import { toCSV, toGeoJSON, toJSON } from './export.js';
import { buildGraph } from './network.js';
import { h, clear, download, extLink } from './dom.js';
import { renderList, renderPager } from './list.js';
import { renderFacets, renderActiveFilters } from './facets-view.js';
import { renderCard } from './card.js';
import { renderNetwork } from './network-view.js';
import { renderStats } from './stats-view.js';

const $ = (id) => document.getElementById(id);

const state = {
  q: '', sel: emptySelection(), press: false, endorsed: false, hideAlerts: false, near: null,
  restrictToMap: true, page: 0, view: 'map',
};
const expanded = new Set();
let config, client, vocabulary = bundledVocabulary, i18n, map = null;
let base = { docs: [], filtered: [], total: 0, truncated: false, dist: null, loaded: false };
let list = { hits: [], total: 0 };
let mapBounds = null;
let openListing = null;
const inflight = {};

function preferredLanguages() {
  return [...(navigator.languages || [navigator.language || 'en'])];
}

function initialLanguage() {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl && UI_LANGUAGES.includes(fromUrl)) return fromUrl;
  return negotiateLanguage(preferredLanguages());
}

function setLanguage(lang) {
  i18n = createI18n(lang, { preferred: preferredLanguages(), vocabulary });
  document.documentElement.lang = i18n.lang;
  document.title = `${i18n.t('app.title')} — ${i18n.t('app.tagline')}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = i18n.t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = i18n.t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', i18n.t(el.dataset.i18nAriaLabel));
  $('lang-select').value = i18n.lang;
  const url = new URL(location.href);
  url.searchParams.set('lang', i18n.lang);
  history.replaceState(null, '', url);
}

/** Run one request per channel: a newer request aborts the older one. */
async function run(channel, queries) {
  inflight[channel]?.abort();
  const ctrl = new AbortController();
  inflight[channel] = ctrl;
  try {
    return await client.multiSearch(queries, { signal: ctrl.signal });
  } finally {
    if (inflight[channel] === ctrl) delete inflight[channel];
  }
}

function showError(e) {
  if (e && e.name === 'AbortError') return;
  $('status').textContent = i18n.t('results.error', { detail: (e && e.message) || String(e) });
  $('status').classList.add('error');
}

// ---- base: all places of the current search (markers, facet counts, statistics) ----
async function refreshBase({ fit = true, prefetched = null } = {}) {
  let res;
  try {
    [res] = await (prefetched || run('base', [buildBaseQuery(state, config.index)]));
  } catch (e) { showError(e); return; }
  base.docs = res.hits;
  base.total = res.estimatedTotalHits ?? res.totalHits ?? res.hits.length;
  base.truncated = base.total > res.hits.length;
  base.dist = res.facetDistribution || null;
  base.loaded = true;
  recompute({ fit });
}

function recompute({ fit = true } = {}) {
  base.filtered = applySelection(base.docs, state.sel);
  renderFacetPanel();
  const points = toPoints(base.filtered);
  if (map) {
    map.quiet(() => map.setPoints(points, { fit: fit && !state.near }));
    mapBounds = map.bounds();
  }
  state.page = 0;
  refreshList();
  if (state.view === 'network') refreshNetwork();
  if (state.view === 'stats') renderStatsPanel();
}

function renderFacetPanel() {
  const counts = base.truncated ? facetCountsFromDistribution(base.dist, state.sel) : facetCounts(base.docs, state.sel);
  renderFacets($('facets'), counts, {
    i18n, sel: state.sel, expanded,
    onToggle: (facet, value, on) => { if (on) state.sel[facet].add(value); else state.sel[facet].delete(value); recompute(); },
    onExpand: (facet) => { if (expanded.has(facet)) expanded.delete(facet); else expanded.add(facet); renderFacetPanel(); document.getElementById('more-' + facet)?.focus(); },
  });
  renderActiveFilters($('active-filters'), {
    i18n, sel: state.sel,
    onRemove: (facet, v) => { state.sel[facet].delete(v); recompute(); $('q').focus(); },
    onClear: () => { for (const f of FACETS) state.sel[f].clear(); recompute(); $('q').focus(); },
  });
  const note = $('facet-note');
  note.hidden = !base.truncated;
  note.textContent = base.truncated ? i18n.t('facet.approx') : '';
}

// ---- list: one row per organisation, paginated, narrowed to the visible map area ----
function listBbox() {
  return state.view === 'map' && state.restrictToMap ? mapBounds : null;
}

async function refreshList() {
  const listEl = $('result-list');
  listEl.setAttribute('aria-busy', 'true');
  let res;
  try {
    [res] = await run('list', [buildListQuery(state, config.index, { bbox: listBbox(), page: state.page })]);
  } catch (e) { showError(e); listEl.removeAttribute('aria-busy'); return; }
  listEl.removeAttribute('aria-busy');
  list = { hits: res.hits, total: res.totalHits ?? res.estimatedTotalHits ?? res.hits.length };
  renderListPanel();
}

function renderListPanel() {
  renderList($('result-list'), list.hits, { i18n, onOpen: openCard, near: state.near });
  renderPager($('pager'), {
    page: state.page, total: list.total, pageSize: PAGE_SIZE, i18n,
    onPage: (p) => { state.page = p; refreshList().then(() => $('result-list').querySelector('button')?.focus()); },
  });
  const status = $('status');
  status.classList.remove('error');
  const places = base.filtered.filter((d) => d._geo).length;
  let text = list.total === 0 ? i18n.t('results.none') : i18n.t('results.count', { n: list.total });
  text += ' · ' + i18n.t('results.places', { n: places });
  if (base.truncated) text += ' ' + i18n.t('results.truncated', { n: i18n.number(MAX_HITS) });
  status.textContent = text;
}

// ---- card ----
async function openCard(listingId) {
  const dialog = $('card-dialog');
  openListing = listingId;
  let res;
  try {
    [res] = await run('card', [buildListingQuery(listingId, config.index)]);
  } catch (e) { showError(e); return; }
  const docs = res.hits.sort((a, b) => String(a.doc_id).localeCompare(String(b.doc_id), undefined, { numeric: true }));
  renderCard(dialog, docs, { i18n, onOpen: openCard, onShowOnMap: showOnMap, correctionUrl });
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('.btn-close')?.focus();
}

function showOnMap(lat, lng) {
  selectTab('map');
  map.flyTo(lat, lng, 12);
}

// ---- network & statistics ----
async function refreshNetwork() {
  const panel = $('panel-network');
  panel.setAttribute('aria-busy', 'true');
  let res;
  try {
    [res] = await run('network', [buildNetworkQuery(state, config.index)]);
  } catch (e) { showError(e); panel.removeAttribute('aria-busy'); return; }
  panel.removeAttribute('aria-busy');
  renderNetwork(panel, buildGraph(res.hits, i18n.chain), { i18n, onOpen: openCard });
}

function renderStatsPanel() {
  // gaps ignore the focus filter: "which focus areas are missing in this city?"
  const gapDocs = base.docs.filter((d) => matches(d, state.sel, 'focus'));
  renderStats($('panel-stats'), { docs: base.filtered, gapDocs, i18n });
}

// ---- tabs ----
const VIEWS = ['map', 'network', 'stats'];
function selectTab(view, { focus = false } = {}) {
  state.view = view;
  for (const v of VIEWS) {
    const tab = $('tab-' + v);
    const on = v === view;
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
    $('panel-' + v).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (view === 'map') { map?.invalidate(); refreshList(); }
  if (view === 'network') refreshNetwork();
  if (view === 'stats') renderStatsPanel();
}

// ---- export ----
async function exportAs(format) {
  const perOrganisation = format !== 'geojson';
  let res;
  try {
    [res] = await run('export', [buildExportQuery(state, config.index, { bbox: listBbox(), perOrganisation })]);
  } catch (e) { showError(e); return; }
  const docs = res.hits;
  const stamp = new Date().toISOString().slice(0, 10);
  if (format === 'csv') download(`atlas-${stamp}.csv`, 'text/csv;charset=utf-8', toCSV(docs, i18n.chain));
  else if (format === 'geojson') download(`atlas-${stamp}.geojson`, 'application/geo+json', toGeoJSON(docs));
  else download(`atlas-${stamp}.json`, 'application/json', toJSON(docs));
  $('status').textContent = i18n.t('export.done', { n: docs.length });
}

/** The propose page of the node that signed a listing, for "Suggest a correction" (null when that node is not configured). */
function correctionUrl(doc) {
  const nodeId = (doc.provenance && doc.provenance.node) || doc.node;
  const node = config.nodes.find((n) => n.id === nodeId);
  if (!node || !doc.listing_id) return null;
  const url = new URL(node.proposeUrl);
  url.searchParams.set('listing', doc.listing_id);
  url.searchParams.set('lang', i18n.lang);
  return url.toString();
}

// ---- propose an initiative ----
function renderPropose() {
  const dialog = $('propose-dialog');
  clear(dialog);
  const items = config.nodes.map((n) => h('li', null, extLink(n.proposeUrl, n.name), h('span.hint', null, ' — ' + new URL(n.url).host),
    h('span.hint', null, ' · ', extLink(n.consoleUrl, i18n.t('propose.console')))));
  dialog.append(h('div.card', null,
    h('header.card-header', null, h('h2#propose-title', null, i18n.t('propose.title')),
      h('button.btn.btn-close', { type: 'button', 'aria-label': i18n.t('card.close'), onclick: () => dialog.close() }, '×')),
    h('p', null, config.nodes.length ? i18n.t('propose.intro') : i18n.t('propose.none')),
    h('ul.node-list', null, items)));
  const footer = $('footer-nodes');
  clear(footer);
  if (config.nodes.length) {
    footer.append(h('p', null, i18n.t('footer.nodes') + ': ',
      ...config.nodes.flatMap((n, i) => [i ? ', ' : '', extLink(n.url, n.name)])));
  }
}

// ---- near me ----
function nearMe() {
  const statusEl = $('near-status');
  if (!('geolocation' in navigator)) { statusEl.textContent = i18n.t('near.denied'); return; }
  statusEl.textContent = i18n.t('near.locating');
  navigator.geolocation.getCurrentPosition((pos) => {
    // rounded before it is used anywhere: the precise position never leaves this function
    state.near = roundPosition(pos.coords, 0.1);
    renderNear();
    selectTab('map');
    map.quiet(() => map.flyTo(state.near.lat, state.near.lng, 9));
    mapBounds = map.bounds();
    state.page = 0;
    refreshList();
  }, () => { statusEl.textContent = i18n.t('near.denied'); }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
}

function renderNear() {
  $('near-clear').hidden = !state.near;
  $('near-status').textContent = state.near ? i18n.t('near.active', { lat: state.near.lat.toFixed(1), lng: state.near.lng.toFixed(1) }) : '';
}

// ---- wiring ----
function debounce(fn, ms) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

function rerenderAll() {
  renderFacetPanel();
  renderListPanel();
  renderNear();
  renderPropose();
  map?.relabel();
  if (state.view === 'network') refreshNetwork();
  if (state.view === 'stats') renderStatsPanel();
  if ($('card-dialog').open && openListing) openCard(openListing);
}

function bind() {
  const onQuery = debounce(() => { state.q = $('q').value; refreshBase(); }, 180);
  $('q').addEventListener('input', onQuery);
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); state.q = $('q').value; refreshBase(); });
  $('lang-select').addEventListener('change', (e) => { setLanguage(e.target.value); rerenderAll(); });
  $('opt-press').addEventListener('change', (e) => { state.press = e.target.checked; refreshBase(); });
  $('opt-endorsed').addEventListener('change', (e) => { state.endorsed = e.target.checked; refreshBase(); });
  $('opt-hide-alerts').addEventListener('change', (e) => { state.hideAlerts = e.target.checked; refreshBase(); });
  $('opt-map-area').addEventListener('change', (e) => { state.restrictToMap = e.target.checked; state.page = 0; refreshList(); });
  $('near-btn').addEventListener('click', nearMe);
  $('near-clear').addEventListener('click', () => { state.near = null; renderNear(); state.page = 0; refreshList(); $('near-btn').focus(); });
  $('propose-btn').addEventListener('click', () => { renderPropose(); $('propose-dialog').showModal(); $('propose-dialog').querySelector('a, button')?.focus(); });
  for (const btn of document.querySelectorAll('[data-export]')) btn.addEventListener('click', () => exportAs(btn.dataset.export));
  const tabs = [...document.querySelectorAll('[role=tab]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab.dataset.view));
    tab.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(tab);
      let j = null;
      if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
      else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
      else if (e.key === 'Home') j = 0;
      else if (e.key === 'End') j = tabs.length - 1;
      if (j !== null) { e.preventDefault(); selectTab(tabs[j].dataset.view, { focus: true }); }
    });
  }
  // a click on the dialog backdrop closes it
  for (const d of [$('card-dialog'), $('propose-dialog')]) {
    d.addEventListener('click', (e) => { if (e.target === d) d.close(); });
  }
  // on small screens the filters start collapsed
  if (window.matchMedia('(max-width: 760px)').matches) $('filters-details').open = false;
}

async function main() {
  setLanguage(initialLanguage());
  try {
    config = await loadConfig();
  } catch (e) {
    $('status').textContent = i18n.t('config.error') + ' ' + e.message;
    $('status').classList.add('error');
    return;
  }
  if (config.vocabularyUrl) {
    try {
      const r = await fetch(config.vocabularyUrl, { credentials: 'omit' });
      if (r.ok) { vocabulary = await r.json(); setLanguage(i18n.lang); }
    } catch { /* keep the bundled vocabulary */ }
  }
  client = createClient(config);
  bind();
  renderPropose();
  // the map code and the first search load in parallel (matters on slow connections)
  const mapModule = import('./map.js');
  const prefetched = run('base', [buildBaseQuery(state, config.index)]);
  prefetched.catch(() => {});
  const { createMap } = await mapModule;
  map = createMap($('map'), {
    getI18n: () => i18n, onOpen: openCard, tiles: config.tiles,
    onMove: (b) => { mapBounds = b; state.page = 0; if (state.view === 'map' && state.restrictToMap) debouncedList(); },
  });
  await refreshBase({ fit: true, prefetched });
  document.body.dataset.ready = 'true';
}

const debouncedList = debounce(() => refreshList(), 200);

main();
