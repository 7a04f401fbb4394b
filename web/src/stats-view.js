// Counts by country / city / focus, and gaps (focus areas nobody covers in a city).
import { h, clear } from './dom.js';
import { countList, gaps } from './stats.js';

function table(caption, rows, i18n, labelFn) {
  return h('table.stats-table', null,
    h('caption', null, caption),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, i18n.t('stats.value')), h('th', { scope: 'col', class: 'num' }, i18n.t('stats.count')))),
    h('tbody', null, rows.map((r) => h('tr', null, h('th', { scope: 'row' }, labelFn(r.value)), h('td.num', null, i18n.number(r.count))))));
}

/** `selection`: facet distributions for the full selection; `gapDist`: for the selection without the focus filter. */
export function renderStats(panel, { selection, gapDist, i18n }) {
  clear(panel);
  panel.append(h('h2', null, i18n.t('stats.heading')));
  const grid = h('div.stats-grid', null,
    table(i18n.t('stats.byCountry'), countList(selection.countries), i18n, (v) => i18n.region(v)),
    table(i18n.t('stats.byCity'), countList(selection.cities), i18n, (v) => i18n.city(v)),
    table(i18n.t('stats.byFocus'), countList(selection.focus), i18n, (v) => i18n.focus(v)));
  panel.append(grid);
  const g = gaps(gapDist.cities, gapDist.city_focus, i18n.focusCodes());
  panel.append(h('h3', null, i18n.t('stats.gaps')), h('p.hint', null, i18n.t('stats.gapsIntro')));
  panel.append(h('table.stats-table.gaps-table', null,
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, i18n.t('stats.city')), h('th', { scope: 'col', class: 'num' }, i18n.t('stats.count')), h('th', { scope: 'col' }, i18n.t('stats.missing')))),
    h('tbody', null, g.map((row) => h('tr', null,
      h('th', { scope: 'row' }, i18n.city(row.city)),
      h('td.num', null, i18n.number(row.organisations)),
      h('td', null, row.missing.length ? row.missing.map((f) => i18n.focus(f)).join(', ') : i18n.t('stats.none')))))));
}
