// Result list (the accessible equivalent of the map) and pager.
import { h, clear, langText } from './dom.js';
import { distanceKm, validGeo } from './geo.js';

export function renderList(listEl, hits, { i18n, onOpen, near }) {
  clear(listEl);
  for (const d of hits) {
    const name = i18n.text(d.name) || { text: d.listing_id, lang: null };
    const desc = i18n.text(d.description);
    const cities = (d.cities && d.cities.length ? d.cities : d.city ? [d.city] : []);
    const meta = [];
    if (cities.length) meta.push(cities.map((c) => i18n.city(c)).join(', '));
    if (d.online) meta.push(cities.length ? i18n.t('item.online') : i18n.t('item.onlineOnly'));
    if (near && validGeo(d._geo)) {
      const km = d._geoDistance != null ? d._geoDistance / 1000 : distanceKm(near, d._geo);
      meta.push(i18n.t('item.distance', { km: i18n.number(Math.max(1, Math.round(km))) }));
    }
    const badges = [];
    if (d.has_alerts) badges.push(h('span.badge.badge-warn', null, h('span', { 'aria-hidden': 'true' }, '⚠ '), i18n.t('item.alert')));
    if (d.org_status === 'inactive') badges.push(h('span.badge.badge-muted', null, i18n.t('item.inactive')));
    if (d.org_status === 'temporarily_closed') badges.push(h('span.badge.badge-muted', null, i18n.t('item.closed')));
    if (d.endorsed) badges.push(h('span.badge.badge-ok', null, i18n.t('item.endorsed')));
    if (d.has_press_contact) badges.push(h('span.badge.badge-press', null, i18n.t('item.press')));
    const open = h('button.result-open', { type: 'button', onclick: () => onOpen(d.listing_id), 'data-listing': d.listing_id });
    open.append(langText('span', name, i18n.lang, { class: 'result-name' }));
    const li = h('li.result', null,
      h('h2.result-title', null, open),
      meta.length ? h('p.result-meta', null, meta.join(' · ')) : null,
      desc ? langText('p', desc, i18n.lang, { class: 'result-desc' }) : null,
      (d.focus || []).length ? h('ul.chips', null, d.focus.slice(0, 4).map((f) => h('li.chip', null, i18n.focus(f)))) : null,
      badges.length ? h('p.badges', null, badges) : null);
    listEl.append(li);
  }
}

export function renderPager(nav, { page, total, pageSize, i18n, onPage }) {
  clear(nav);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return;
  nav.append(
    h('button.btn.btn-small', { type: 'button', disabled: page <= 0, onclick: () => onPage(page - 1) }, i18n.t('page.prev')),
    h('span.pager-info', null, i18n.t('page.of', { page: i18n.number(page + 1), pages: i18n.number(pages) })),
    h('button.btn.btn-small', { type: 'button', disabled: page >= pages - 1, onclick: () => onPage(page + 1) }, i18n.t('page.next')),
  );
}
