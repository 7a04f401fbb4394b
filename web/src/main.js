// Atlas map site: wiring of state, search, map, list, card, network, statistics and export.
import './style.css';
import bundledVocabulary from '../../protocol/Vocabulary/focus-areas.json';
import gazetteer from '../../protocol/Geo/gazetteer.json';
import { loadConfig } from './config.js';
import { createI18n, negotiateLanguage, UI_LANGUAGES } from './i18n.js';
import {
  createClient, buildListQuery, buildNetworkQuery, buildExportQuery, buildListingQuery, buildCountQueries,
  buildPlacesQuery, buildMapQueries, buildStatsQueries, buildCellListQuery, emptySelection, FACETS, PAGE_SIZE, POINT_LIMIT,
} from './search.js';
import { levelForZoom, coarser, isTruncated, total, cellField, fitBounds } from './cells.js';
import { labelCandidates } from './labels.js';
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
// counts: exact organisation counts per facet; places: number of places of the whole search
let counts = { total: 0, counts: Object.fromEntries(FACETS.map((f) => [f, []])) };
let places = { total: 0 };
let list = { hits: [], total: 0 };
const INITIAL_ZOOM = 3;
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
  i18n = createI18n(lang, { preferred: preferredLanguages(), vocabulary, gazetteer });
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
  pending(+1);
  try {
    return await client.multiSearch(queries, { signal: ctrl.signal });
  } finally {
    pending(-1);
    if (inflight[channel] === ctrl) delete inflight[channel];
  }
}

/** body[data-pending] is set while a search is in flight (tests wait on it; no visible effect). */
let pendingCount = 0;
function pending(d) {
  pendingCount += d;
  if (pendingCount > 0) document.body.dataset.pending = String(pendingCount);
  else delete document.body.dataset.pending;
}

function showError(e) {
  if (e && e.name === 'AbortError') return;
  $('status').textContent = i18n.t('results.error', { detail: (e && e.message) || String(e) });
  $('status').classList.add('error');
}

// ---- the search: counts, places, the map's view and the list in one request ----
function listBbox() {
  return state.view === 'map' && state.restrictToMap ? mapBounds : null;
}

/** A text, facet or option change: everything, then (fit) the map is fitted to the places and the view asked again. */
async function refreshAll({ fit = true } = {}) {
  inflight.view?.abort();
  const c = buildCountQueries(state, config.index);
  const level = levelForZoom(map ? map.zoom() : INITIAL_ZOOM);
  const queries = [
    ...c.queries, buildPlacesQuery(state, config.index),
    ...buildMapQueries(state, config.index, { bbox: mapBounds, level }),
    buildListQuery(state, config.index, { bbox: listBbox(), page: 0 }),
  ];
  let results;
  try {
    results = await run('all', queries);
  } catch (e) { showError(e); return; }
  const n = c.queries.length;
  counts = c.read(results.slice(0, n));
  const placesRes = results[n];
  places = { total: total(placesRes.facetDistribution?.cell_4), fit: fitBounds(placesRes.facetDistribution) };
  state.page = 0;
  setList(results[n + 3]);
  renderFacetPanel();
  renderListPanel();
  map?.relabel();
  if (state.view === 'network') refreshNetwork();
  if (state.view === 'stats') refreshStats();
  if (map && fit && !state.near) {
    map.quiet(() => map.fitBox(places.fit));
    mapBounds = map.bounds();
    await refreshView();
  } else {
    await showMap(results[n + 1], results[n + 2], level);
  }
}

/** Draw the map's answer for the current view: individual places when few enough, grid-cell clusters otherwise. */
async function showMap(cellsRes, pointsRes, level) {
  if (!map) return;
  let values = cellsRes.facetDistribution?.[cellField(level)] || {};
  // an answer cut at maxValuesPerFacet would drop places: ask coarser cells until it is complete
  while (isTruncated(values) && coarser(level) !== null) {
    level = coarser(level);
    let res;
    try {
      [res] = await run('view', [buildMapQueries(state, config.index, { bbox: mapBounds, level })[0]]);
    } catch (e) { showError(e); return; }
    values = res.facetDistribution?.[cellField(level)] || {};
  }
  const inView = total(values);
  if (inView <= POINT_LIMIT && pointsRes.hits.length >= inView) map.quiet(() => map.setPoints(toPoints(pointsRes.hits)));
  else map.setCells(level, values);
  $('map').dataset.places = String(inView);
  $('map').dataset.mode = map.mode();
}

/** A pan or zoom: the map's answer and the list for the new box, in one request. */
async function refreshView() {
  const level = levelForZoom(map.zoom());
  const withList = state.view === 'map' && state.restrictToMap;
  const queries = buildMapQueries(state, config.index, { bbox: mapBounds, level });
  if (withList) queries.push(buildListQuery(state, config.index, { bbox: listBbox(), page: 0 }));
  let results;
  try {
    results = await run('view', queries);
  } catch (e) { showError(e); return; }
  if (withList) { state.page = 0; setList(results[2]); renderListPanel(); }
  await showMap(results[0], results[1], level);
}

function renderFacetPanel() {
  renderFacets($('facets'), counts.counts, {
    i18n, sel: state.sel, expanded,
    onToggle: (facet, value, on) => { if (on) state.sel[facet].add(value); else state.sel[facet].delete(value); refreshAll(); },
    onExpand: (facet) => { if (expanded.has(facet)) expanded.delete(facet); else expanded.add(facet); renderFacetPanel(); document.getElementById('more-' + facet)?.focus(); },
  });
  renderActiveFilters($('active-filters'), {
    i18n, sel: state.sel,
    onRemove: (facet, v) => { state.sel[facet].delete(v); refreshAll(); $('q').focus(); },
    onClear: () => { for (const f of FACETS) state.sel[f].clear(); refreshAll(); $('q').focus(); },
  });
  const note = $('facet-note');
  note.hidden = true;
  note.textContent = '';
}

// ---- list: one row per organisation, paginated, narrowed to the visible map area ----
function setList(res) {
  list = { hits: res.hits, total: res.totalHits ?? res.estimatedTotalHits ?? res.hits.length };
}

async function refreshList() {
  const listEl = $('result-list');
  listEl.setAttribute('aria-busy', 'true');
  let res;
  try {
    [res] = await run('list', [buildListQuery(state, config.index, { bbox: listBbox(), page: state.page })]);
  } catch (e) { showError(e); listEl.removeAttribute('aria-busy'); return; }
  listEl.removeAttribute('aria-busy');
  setList(res);
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
  let text = list.total === 0 ? i18n.t('results.none') : i18n.t('results.count', { n: list.total });
  text += ' · ' + i18n.t('results.places', { n: places.total });
  status.textContent = text;
  status.dataset.organisations = String(counts.total);
}

/** Organisations at the grid cells of a cluster that cannot be split further (deepest zoom). */
async function openCells(cells, lat, lng) {
  let res;
  try {
    [res] = await run('cells', [buildCellListQuery(state, config.index, cells)]);
  } catch (e) { showError(e); return; }
  const shown = res.hits;
  const all = res.totalHits ?? res.estimatedTotalHits ?? shown.length;
  map.popupList(lat, lng, shown, Math.max(0, all - shown.length));
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
  renderCard(dialog, docs, { i18n, onOpen: openCard, onShowOnMap: showOnMap });
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

async function refreshStats() {
  const panel = $('panel-stats');
  panel.setAttribute('aria-busy', 'true');
  let results;
  try {
    results = await run('stats', buildStatsQueries(state, config.index));
  } catch (e) { showError(e); panel.removeAttribute('aria-busy'); return; }
  panel.removeAttribute('aria-busy');
  // gaps ignore the focus filter: "which focus areas are missing in this city?"
  renderStats(panel, { selection: results[0].facetDistribution || {}, gapDist: results[1].facetDistribution || {}, i18n });
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
  if (view === 'stats') refreshStats();
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
    refreshView();
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
  if (state.view === 'stats') refreshStats();
  if ($('card-dialog').open && openListing) openCard(openListing);
}

function bind() {
  const onQuery = debounce(() => { state.q = $('q').value; refreshAll(); }, 180);
  $('q').addEventListener('input', onQuery);
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); state.q = $('q').value; refreshAll(); });
  $('lang-select').addEventListener('change', (e) => { setLanguage(e.target.value); rerenderAll(); });
  $('opt-press').addEventListener('change', (e) => { state.press = e.target.checked; refreshAll(); });
  $('opt-endorsed').addEventListener('change', (e) => { state.endorsed = e.target.checked; refreshAll(); });
  $('opt-hide-alerts').addEventListener('change', (e) => { state.hideAlerts = e.target.checked; refreshAll(); });
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
  // (the first answer covers the whole world: the list and counts are shown before the map is fitted)
  const mapModule = import('./map.js');
  const first = refreshAll({ fit: false });
  const { createMap } = await mapModule;
  map = createMap($('map'), {
    getI18n: () => i18n, onOpen: openCard, onCellOpen: openCells, tiles: config.tiles,
    getLabels: () => labelCandidates(gazetteer, new Set(counts.counts.city.filter((c) => c.count > 0).map((c) => c.value)), i18n.city),
    onMove: (b) => { mapBounds = b; state.page = 0; debouncedView(); },
  });
  await first;
  map.quiet(() => map.fitBox(places.fit));
  mapBounds = map.bounds();
  map.relabel();
  await refreshView();
  document.body.dataset.ready = 'true';
}

const debouncedView = debounce(() => refreshView(), 200);

main();
