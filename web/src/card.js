// Organisation card (modal <dialog>): text in the visitor's language with fallback, contacts, provenance, alerts.
import { h, clear, extLink, langText, download } from './dom.js';
import { contactHref, displayUrl } from './links.js';
import { toVCard, fileStem } from './export.js';
import { validGeo } from './geo.js';

/**
 * Render the card for all place documents of one listing.
 * ctx: {i18n, onOpen(listingId), onShowOnMap(lat, lng), uiLanguageName(tag)}
 */
export function renderCard(dialog, docs, ctx) {
  const { i18n } = ctx;
  clear(dialog);
  const close = h('button.btn.btn-close', { type: 'button', 'aria-label': i18n.t('card.close'), onclick: () => dialog.close() }, '×');
  if (!docs || docs.length === 0) {
    dialog.append(h('div.card', null, close, h('h2#card-title', null, i18n.t('card.notFound'))));
    return;
  }
  const doc = docs[0];
  const name = i18n.text(doc.name) || { text: doc.listing_id, lang: null };
  const desc = i18n.text(doc.description);
  const card = h('article.card', { 'data-listing': doc.listing_id });
  const header = h('header.card-header', null, langText('h2', name, i18n.lang, { id: 'card-title' }), close);
  card.append(header);

  const badges = h('p.badges');
  if (doc.org_status && doc.org_status !== 'active') badges.append(h('span.badge.badge-muted', null, i18n.t('status.' + doc.org_status)));
  if (doc.endorsed) badges.append(h('span.badge.badge-ok', null, i18n.t('item.endorsed')));
  if (doc.scope) badges.append(h('span.badge', null, i18n.t('scope.' + doc.scope)));
  if (badges.childNodes.length) card.append(badges);

  const alerts = Array.isArray(doc.alerts) ? doc.alerts : [];
  if (doc.has_alerts || alerts.length) {
    const box = h('section.alert-box', { 'aria-labelledby': 'card-alerts-h' },
      h('h3#card-alerts-h', null, h('span.alert-icon', { 'aria-hidden': 'true' }, '⚠'), ' ', i18n.t('card.alerts')),
      h('p', null, i18n.t('card.alertsIntro')));
    const ul = h('ul');
    for (const a of alerts) {
      const known = i18n.t('alert.' + a.kind);
      const title = known !== 'alert.' + a.kind ? known : String(a.kind || '');
      ul.append(h('li', null, h('strong', null, title),
        a.since ? ` (${i18n.t('card.alertSince', { date: i18n.formatDate(a.since) })})` : '',
        a.message ? h('span.alert-message', null, ' — ' + String(a.message)) : ''));
    }
    if (alerts.length) box.append(ul);
    card.append(box);
  }

  if (desc) {
    card.append(langText('p', desc, i18n.lang, { class: 'card-desc' }));
    if (desc.lang && desc.lang.split('-')[0] !== i18n.lang) {
      card.append(h('p.hint', null, i18n.t('card.shownIn', { language: i18n.language(desc.lang) })));
    }
  }

  const dl = h('dl.card-facts');
  const fact = (label, ...content) => dl.append(h('dt', null, label), h('dd', null, ...content));
  if (doc.focus?.length) fact(i18n.t('card.focus'), h('ul.chips', null, doc.focus.map((f) => h('li.chip', null, i18n.focus(f)))));
  if (doc.languages?.length) fact(i18n.t('card.languages'), doc.languages.map((l) => i18n.language(l)).join(', '));

  // places: one per document (this listing's locations)
  const placeList = h('ul.places');
  let firstGeo = null;
  for (const d of docs) {
    const p = d.place || {};
    if (p.kind === 'online' || (!d.city && !p.city)) continue;
    const city = d.city || p.city;
    const country = d.country || p.country;
    const parts = [i18n.city(city), country ? i18n.region(country) : null].filter(Boolean).join(', ');
    const li = h('li', null, parts);
    if (p.precision === 'exact' && p.address) li.append(h('br'), h('span.address', null, String(p.address)));
    if (Array.isArray(p.service_area) && p.service_area.length) li.append(h('br'), h('span.hint', null, i18n.t('card.serviceArea', { areas: p.service_area.join(', ') })));
    if (validGeo(d._geo)) {
      if (!firstGeo) firstGeo = d._geo;
      const g = d._geo;
      li.append(' ', h('button.btn-link.small', { type: 'button', onclick: () => { dialog.close(); ctx.onShowOnMap(g.lat, g.lng); } }, i18n.t('card.showOnMap')));
    }
    placeList.append(li);
  }
  if (doc.online) placeList.append(h('li', null, i18n.t('card.online')));
  if (placeList.childNodes.length) fact(i18n.t('card.places'), placeList);
  if (doc.website) fact(i18n.t('card.website'), extLink(doc.website));
  card.append(dl);

  // contacts
  const contacts = (Array.isArray(doc.contacts) ? doc.contacts : []).filter((c) => c && typeof c.value === 'string' && c.value);
  const cs = h('section.card-section', { 'aria-labelledby': 'card-contacts-h' }, h('h3#card-contacts-h', null, i18n.t('card.contacts')));
  if (contacts.length === 0) cs.append(h('p.hint', null, i18n.t('card.noContacts')));
  else {
    const ul = h('ul.contacts');
    for (const c of contacts) {
      const kindKey = 'contact.' + c.kind;
      const kind = i18n.t(kindKey) !== kindKey ? i18n.t(kindKey) : String(c.kind || '');
      const href = contactHref(c);
      const label = c.label ? i18n.text(c.label) : null;
      const valueEl = href ? extLink(href, c.value, href.startsWith('http') ? {} : { target: null }) : h('span.contact-value', null, c.value);
      const status = h('span.copy-status', { role: 'status' });
      const copy = h('button.btn.btn-small', { type: 'button', 'aria-label': i18n.t('card.copyLabel', { value: c.value }), onclick: () => copyText(c.value, status, i18n) }, i18n.t('card.copy'));
      ul.append(h('li', null,
        h('span.contact-kind', null, kind), ' ', valueEl,
        label ? langText('span', label, i18n.lang, { class: 'hint' }) : null,
        c.press ? h('span.badge.badge-press', null, i18n.t('card.press')) : null,
        ' ', copy, status));
    }
    cs.append(ul);
  }
  const channels = (Array.isArray(doc.channels) ? doc.channels : []).filter((c) => c && c.url);
  if (channels.length) {
    cs.append(h('h4', null, i18n.t('card.channels')));
    cs.append(h('ul.channels', null, channels.map((c) => h('li', null, h('span.contact-kind', null, String(c.kind || '')), ' ', extLink(c.url)))));
  }
  cs.append(h('p', null, h('button.btn', {
    type: 'button',
    onclick: () => download(`${fileStem(name.text)}.vcf`, 'text/vcard;charset=utf-8', toVCard(doc, i18n.chain, docs)),
  }, i18n.t('card.vcard'))));
  card.append(cs);

  // relationships
  const rels = (Array.isArray(doc.relationships) ? doc.relationships : []).filter((r) => r && r.target);
  if (rels.length) {
    const ul = h('ul.relationships');
    for (const r of rels) {
      const tn = i18n.text(r.target_name)?.text || r.target;
      ul.append(h('li', null, i18n.t('rel.' + r.type) + ': ', h('button.btn-link', { type: 'button', onclick: () => ctx.onOpen(r.target) }, tn)));
    }
    card.append(h('section.card-section', null, h('h3', null, i18n.t('card.relationships')), ul));
  }

  // provenance
  const prov = doc.provenance || {};
  const ps = h('section.card-section.provenance', null, h('h3', null, i18n.t('card.provenance')));
  if (doc.last_confirmed) ps.append(h('p', null, i18n.t('card.lastConfirmed', { date: i18n.formatDate(doc.last_confirmed) })));
  if (doc.review_by) ps.append(h('p.hint', null, i18n.t('card.reviewBy', { date: i18n.formatDate(doc.review_by) })));
  ps.append(h('p', null, i18n.t('card.signedBy', { node: prov.node_name || doc.node_name || prov.node || doc.node || '?' })));
  if (prov.verified_at) ps.append(h('p', null, i18n.t('card.verified', { date: i18n.formatDate(prov.verified_at) })));
  if (prov.seq != null || prov.kid) ps.append(h('p.hint.mono', null, i18n.t('card.entry', { seq: prov.seq ?? '?', kid: prov.kid ?? '?' })));
  const endorsers = Array.isArray(doc.endorsed_by) ? doc.endorsed_by : [];
  ps.append(h('p', null, endorsers.length
    ? i18n.t('card.endorsedBy', { n: endorsers.length, nodes: endorsers.join(', ') })
    : i18n.t('card.notEndorsed')));
  card.append(ps);

  dialog.append(card);
  return { firstGeo };
}

async function copyText(text, status, i18n) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = i18n.t('card.copied');
  } catch {
    status.textContent = i18n.t('card.copyFailed');
  }
  setTimeout(() => { status.textContent = ''; }, 3000);
}

export { displayUrl };
