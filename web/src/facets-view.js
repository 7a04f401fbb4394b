// Facet checkboxes with organisation counts, and the "active filters" chips.
import { h, clear } from './dom.js';
import { FACETS } from './search.js';

const SHOW = 8;

export function facetLabel(i18n, facet, value) {
  if (facet === 'country') return i18n.region(value);
  if (facet === 'languages') return i18n.language(value);
  if (facet === 'focus') return i18n.focus(value);
  if (facet === 'city') return i18n.city(value);
  return String(value);
}

export function renderFacets(container, counts, { i18n, sel, expanded, onToggle, onExpand }) {
  const focusedId = document.activeElement && container.contains(document.activeElement) ? document.activeElement.id : null;
  clear(container);
  for (const facet of FACETS) {
    const values = counts[facet] || [];
    const fs = h('fieldset.facet', { 'data-facet': facet }, h('legend', null, i18n.t('facet.' + facet)));
    if (values.length === 0) fs.append(h('p.hint', null, i18n.t('facet.empty')));
    const isOpen = expanded.has(facet);
    const shown = isOpen ? values : values.filter((v, i) => i < SHOW || sel[facet].has(v.value));
    const ul = h('ul.facet-values');
    shown.forEach((v) => {
      const id = `f-${facet}-${cssId(v.value)}`;
      const cb = h('input', { type: 'checkbox', id, 'data-value': v.value, checked: sel[facet].has(v.value), onchange: (e) => onToggle(facet, v.value, e.target.checked) });
      ul.append(h('li', null, h('label', { for: id }, cb, ' ', h('span.facet-name', null, facetLabel(i18n, facet, v.value)), ' ', h('span.facet-count', null, i18n.number(v.count)))));
    });
    fs.append(ul);
    if (values.length > SHOW) {
      fs.append(h('button.btn-link.small', { type: 'button', 'aria-expanded': isOpen ? 'true' : 'false', id: `more-${facet}`, onclick: () => onExpand(facet) },
        isOpen ? i18n.t('facet.less') : i18n.t('facet.more', { n: i18n.number(values.length) })));
    }
    container.append(fs);
  }
  if (focusedId) document.getElementById(focusedId)?.focus();
}

function cssId(v) {
  let out = '';
  for (const ch of String(v)) out += /[A-Za-z0-9_-]/.test(ch) ? ch : '_' + ch.codePointAt(0).toString(16);
  return out;
}

export function renderActiveFilters(container, { i18n, sel, onRemove, onClear }) {
  clear(container);
  const chips = [];
  for (const facet of FACETS) {
    for (const v of sel[facet]) {
      const label = `${i18n.t('facet.' + facet)}: ${facetLabel(i18n, facet, v)}`;
      chips.push(h('li', null, h('button.chip.chip-remove', { type: 'button', 'aria-label': i18n.t('filters.remove', { label }), onclick: () => onRemove(facet, v) }, label, h('span', { 'aria-hidden': 'true' }, ' ×'))));
    }
  }
  if (!chips.length) return;
  container.append(h('p.visually-hidden', null, i18n.t('filters.active')), h('ul.chip-list', null, chips),
    h('button.btn-link.small', { type: 'button', onclick: onClear }, i18n.t('filters.clear')));
}
