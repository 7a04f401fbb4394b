// Leaflet map with an offline basemap (Natural Earth via world-atlas) and supercluster HTML markers.
// No tile server is contacted unless config.json sets `tiles`.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { feature } from 'topojson-client';
import worldUrl from 'world-atlas/countries-110m.json?url';
import { createClusterIndex, samePosition, pointsBounds, CLUSTER_MAX_ZOOM } from './cluster.js';
import { cellPoints } from './cells.js';
import { chooseLabels } from './labels.js';
import { unwrapGeometry } from './geo.js';
import { h } from './dom.js';
import { safeUrl } from './links.js';

const ANTARCTICA = '010';

export function createMap(el, { getI18n, onOpen, onMove, onCellOpen, getLabels = () => [], tiles = null }) {
  const map = L.map(el, {
    center: [50, 25], zoom: 3, minZoom: 2, maxZoom: CLUSTER_MAX_ZOOM,
    worldCopyJump: false, maxBounds: [[-85, -220], [85, 220]], maxBoundsViscosity: 0.8,
    zoomSnap: 0.5, keyboard: true, attributionControl: true,
  });
  map.attributionControl.setPrefix(false);
  let tileLayer = null;
  const tileUrl = tiles && safeUrl(String(tiles.url || '').replace(/\{[a-z]\}/g, 'x'))
    ? String(tiles.url) : null;
  if (tileUrl) {
    tileLayer = L.tileLayer(tileUrl, {
      attribution: String(tiles.attribution || ''), maxZoom: Number(tiles.maxZoom) || 18,
      referrerPolicy: 'no-referrer', crossOrigin: false,
    }).addTo(map);
  }

  loadBasemap(map, !!tileLayer);

  // place labels sit above the basemap and below the markers; decorative (the list is the accessible equivalent)
  map.createPane('labels');
  map.getPane('labels').style.zIndex = '450';
  map.getPane('labels').style.pointerEvents = 'none';
  const labels = L.layerGroup().addTo(map);
  const markers = L.layerGroup().addTo(map);
  let index = null;
  let points = [];
  let mode = 'points';

  function renderLabels() {
    labels.clearLayers();
    const size = map.getSize();
    const chosen = chooseLabels(getLabels(), {
      zoom: map.getZoom(), view: { width: size.x, height: size.y },
      project: (lat, lng) => map.latLngToContainerPoint([lat, lng]),
    });
    for (const c of chosen) {
      const icon = L.divIcon({
        className: 'place-label' + (c.capital ? ' capital' : ''), iconSize: null, iconAnchor: [3, 8],
        html: h('span.place-label-text', { 'data-city': c.key, 'aria-hidden': 'true' }, c.name),
      });
      labels.addLayer(L.marker([c.lat, c.lng], { icon, pane: 'labels', interactive: false, keyboard: false }));
    }
  }

  function render() {
    markers.clearLayers();
    if (!index) return;
    const i18n = getI18n();
    const b = map.getBounds();
    const zoom = Math.round(map.getZoom());
    const west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    const clusters = index.getClusters([west, Math.max(-85, b.getSouth()), east, Math.min(85, b.getNorth())], zoom);
    for (const c of clusters) {
      const [lng, lat] = c.geometry.coordinates;
      if (mode === 'cells') {
        const count = c.properties.count;
        const size = count < 10 ? 34 : count < 100 ? 40 : count < 10000 ? 48 : 56;
        const icon = L.divIcon({
          className: 'cluster-marker', iconSize: [size, size],
          html: h('span.cluster-icon', null, h('span', { 'aria-hidden': 'true', 'data-count': count }, i18n.number(count))),
        });
        const m = L.marker([lat, lng], { icon, keyboard: true, riseOnHover: true });
        m.on('click', () => openCell(c, lat, lng));
        m.on('add', () => label(m, i18n.t('map.cluster', { n: count })));
        markers.addLayer(m);
      } else if (c.properties.cluster) {
        const count = c.properties.point_count;
        const size = count < 10 ? 34 : count < 100 ? 40 : 48;
        const icon = L.divIcon({
          className: 'cluster-marker', iconSize: [size, size],
          html: h('span.cluster-icon', null, h('span', { 'aria-hidden': 'true', 'data-count': count }, i18n.number(count))),
        });
        const m = L.marker([lat, lng], { icon, keyboard: true, riseOnHover: true });
        m.on('click', () => openCluster(c, lat, lng));
        m.on('add', () => label(m, i18n.t('map.cluster', { n: count })));
        markers.addLayer(m);
      } else {
        const p = c.properties;
        const name = i18n.text(p.name)?.text || p.listing_id;
        const icon = L.divIcon({
          className: 'pin-marker' + (p.has_alerts ? ' has-alerts' : ''), iconSize: [26, 26], iconAnchor: [13, 26],
          html: h('span.pin', null),
        });
        const m = L.marker([lat, lng], { icon, keyboard: true, riseOnHover: true });
        m.on('click', () => onOpen(p.listing_id));
        m.on('add', () => label(m, p.city ? `${name}, ${p.city}` : name));
        markers.addLayer(m);
      }
    }
  }

  function label(marker, text) {
    const el = marker.getElement();
    if (!el) return;
    el.setAttribute('role', 'button');
    el.setAttribute('aria-label', text);
    el.setAttribute('title', text);
  }

  // a cluster of grid cells: zoom in; at the deepest zoom, the places themselves are listed by the caller
  function openCell(c, lat, lng) {
    const zoom = map.getZoom();
    if (zoom < CLUSTER_MAX_ZOOM) {
      map.setView([lat, lng], Math.min(CLUSTER_MAX_ZOOM, zoom + 2), { animate: false });
      return;
    }
    const cells = c.properties.cluster
      ? index.getLeaves(c.properties.cluster_id, Infinity).map((l) => l.properties)
      : [c.properties];
    onCellOpen?.(cells.map((p) => ({ level: p.level, cell: p.cell })), lat, lng);
  }

  function popupList(lat, lng, entries, more = 0) {
    const i18n = getI18n();
    const items = entries.map((e) => h('li', null, h('button', { type: 'button', class: 'btn-link', onclick: () => { map.closePopup(); onOpen(e.listing_id); } }, i18n.text(e.name)?.text || e.listing_id)));
    const content = h('div.popup-list', null, h('p.popup-title', null, i18n.t('map.here')), h('ul', null, items),
      more > 0 ? h('p.hint', null, i18n.t('map.more', { n: more })) : null);
    L.popup({ maxHeight: 260, autoPanPadding: [20, 20] }).setLatLng([lat, lng]).setContent(content).openOn(map);
    setTimeout(() => content.querySelector('button')?.focus(), 50);
  }

  function openCluster(c, lat, lng) {
    const id = c.properties.cluster_id;
    const leaves = index.getLeaves(id, Infinity);
    const expansion = index.getClusterExpansionZoom(id);
    if (!samePosition(leaves) && expansion <= CLUSTER_MAX_ZOOM) {
      map.flyTo([lat, lng], expansion, { duration: 0.4 });
      return;
    }
    // entries at one position (city-level precision) can never be split by zooming: list them
    const i18n = getI18n();
    const seen = new Set();
    const items = [];
    for (const l of leaves) {
      if (seen.has(l.properties.listing_id)) continue;
      seen.add(l.properties.listing_id);
      const name = i18n.text(l.properties.name)?.text || l.properties.listing_id;
      items.push(h('li', null, h('button', { type: 'button', class: 'btn-link', onclick: () => { map.closePopup(); onOpen(l.properties.listing_id); } }, name)));
    }
    const content = h('div.popup-list', null, h('p.popup-title', null, i18n.t('map.here')), h('ul', null, items));
    L.popup({ maxHeight: 260, autoPanPadding: [20, 20] }).setLatLng([lat, lng]).setContent(content).openOn(map);
    setTimeout(() => content.querySelector('button')?.focus(), 50);
  }

  let silent = false;
  map.on('moveend', () => {
    render();
    renderLabels();
    if (!silent) onMove(currentBounds());
  });

  function currentBounds() {
    const b = map.getBounds();
    return { north: b.getNorth(), south: b.getSouth(), east: b.getEast(), west: b.getWest() };
  }

  return {
    leaflet: map,
    /** Individual places (few enough in the view): clustered in the browser, popups list their names. */
    setPoints(newPoints, { fit = false } = {}) {
      points = newPoints;
      mode = 'points';
      index = createClusterIndex(points);
      if (fit) this.fitAll(); else render();
    },
    /** Grid-cell counts of the view (facet distribution of `cell_<level>`): one weighted point per cell. */
    setCells(level, values) {
      points = cellPoints(level, values);
      mode = 'cells';
      index = createClusterIndex(points, { weighted: true });
      render();
    },
    /** Fit to [[south, west], [north, east]] (or the default view for null). */
    fitBox(bounds) {
      if (bounds) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 10, animate: false });
      else map.setView([50, 25], 3, { animate: false });
    },
    zoom: () => map.getZoom(),
    popupList,
    mode: () => mode,
    fitAll() {
      const bounds = pointsBounds(points);
      if (bounds) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 10, animate: false });
      else map.setView([50, 25], 3, { animate: false });
      render();
    },
    flyTo(lat, lng, zoom = 11) { map.setView([lat, lng], zoom, { animate: false }); },
    bounds: currentBounds,
    invalidate() { map.invalidateSize({ animate: false }); },
    relabel() { render(); renderLabels(); },
    /** Move without triggering onMove (used for programmatic fits). */
    quiet(fn) { silent = true; try { fn(); } finally { silent = false; } },
  };
}

async function loadBasemap(map, hasTiles) {
  try {
    const res = await fetch(worldUrl, { credentials: 'omit' });
    const topo = await res.json();
    const countries = feature(topo, topo.objects.countries);
    const features = countries.features
      .filter((f) => f.id !== ANTARCTICA)
      .map((f) => ({ ...f, geometry: unwrapGeometry(f.geometry) }));
    const layer = L.geoJSON({ type: 'FeatureCollection', features }, {
      interactive: false,
      style: () => (hasTiles
        ? { color: '#5b6770', weight: 0.5, fill: false }
        : { color: '#8f9aa3', weight: 0.7, fillColor: '#f4f1e8', fillOpacity: 1 }),
    });
    layer.addTo(map);
    layer.bringToBack();
    map.attributionControl.addAttribution('Natural Earth');
  } catch {
    // the map still works (markers on a plain background)
  }
}
