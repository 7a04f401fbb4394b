// Propose an initiative, or suggest a correction of a listing (?listing=ID). Everything typed is kept in
// sessionStorage (this tab only, never sent anywhere before "Send"), so an error, a failed request or a reload
// loses nothing. Sending: fetch a proof-of-work challenge, solve it (pow.js), POST /api/submissions, then go to
// the receipt. Errors of the node appear next to their fields, in the visitor's language.
import { startNodePage } from './node-page.js';
import { h, clear } from './dom.js';
import { callApi, fieldErrors } from './node-api.js';
import { solve } from './pow.js';
import { PROPOSE_MESSAGES } from './propose-messages.js';
import {
  CHANNEL_KINDS, CONTACT_KINDS, RELATIONSHIP_TYPES, VISIBILITIES, WORKING_LANGUAGES,
  draftFromOrganisation, emptyContact, emptyDraft, emptyLocation, findPlace, localErrors, placeError, suggestPlaces, toSubmission,
} from './propose-form.js';

const main = document.getElementById('main');
const listingId = new URLSearchParams(location.search).get('listing');
const DRAFT_KEY = `atlas.propose.draft:${listingId || 'new'}`;
const TEXT_LANGS = ['ru', 'uk', 'en', 'de', 'be', 'ka', 'hy', 'kk', 'fr', 'es', 'pl', 'lt', 'lv', 'et', 'cs', 'sr', 'he', 'tr'];

let i18n = null;
let draft = null;
let places = [];
let errors = {};          // anchor -> [message keys or texts]
let banner = null;        // { kind: 'error'|'warn'|'ok'|'info', text, list? }
let busy = false;
let restored = false;
const suggestions = {};   // location index -> places

const idOf = (anchor) => 'f-' + anchor.replace(/[^A-Za-z0-9]+/g, '-');
const errIdOf = (anchor) => 'e-' + anchor.replace(/[^A-Za-z0-9]+/g, '-');

function save() {
  try { sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch { /* storage full or disabled: the page still works */ }
}

function loadSaved() {
  try {
    const raw = sessionStorage.getItem(DRAFT_KEY);
    const d = raw ? JSON.parse(raw) : null;
    return d && d.v === 1 && Array.isArray(d.texts) ? d : null;
  } catch { return null; }
}

/** Re-render, then put the focus back where it was (or on `focusId`). */
function rerender(focusId = null) {
  const active = focusId || (document.activeElement && document.activeElement.id);
  render();
  const el = active && document.getElementById(active);
  if (el) el.focus();
}

// ---- small builders ---------------------------------------------------------------------------------------
function errorsFor(anchor) {
  const list = errors[anchor] || [];
  return list.length ? h('p.field-error', { id: errIdOf(anchor) }, list.join(' ')) : null;
}

function describe(anchor, hintId = null) {
  const ids = [hintId, (errors[anchor] || []).length ? errIdOf(anchor) : null].filter(Boolean);
  return { 'aria-describedby': ids.length ? ids.join(' ') : null, 'aria-invalid': (errors[anchor] || []).length ? 'true' : null };
}

function input(anchor, value, onInput, attrs = {}) {
  return h('input', {
    id: idOf(anchor), type: 'text', value: value ?? '', ...describe(anchor, attrs.hint || null), ...attrs, hint: null,
    oninput: (e) => { onInput(e.target.value); save(); },
  });
}

function textField(anchor, labelKey, value, onInput, { type = 'text', hintKey = null, textarea = false, autocomplete = null, required = false } = {}) {
  const hintId = hintKey ? `h-${idOf(anchor)}` : null;
  const control = textarea
    ? h('textarea', { id: idOf(anchor), ...describe(anchor, hintId), oninput: (e) => { onInput(e.target.value); save(); } }, value || '')
    : input(anchor, value, onInput, { type, autocomplete, hint: hintId, 'aria-required': required ? 'true' : null });
  return h('div.field', null,
    h('label', { for: idOf(anchor) }, i18n.t(labelKey), required ? h('span', { 'aria-hidden': 'true' }, ' *') : null),
    hintKey ? h('p.hint', { id: hintId }, i18n.t(hintKey)) : null,
    control, errorsFor(anchor));
}

function select(anchor, labelKey, value, options, onChange) {
  return h('div.field', null,
    h('label', { for: idOf(anchor) }, i18n.t(labelKey)),
    h('select', { id: idOf(anchor), ...describe(anchor), onchange: (e) => { onChange(e.target.value); save(); rerender(idOf(anchor)); } },
      options.map(([v, label]) => h('option', { value: v, selected: v === value }, label))),
    errorsFor(anchor));
}

function removeButton(labelKey, vars, onClick) {
  return h('button.btn.btn-small', { type: 'button', onclick: onClick }, i18n.t(labelKey, vars));
}

function addButton(labelKey, onClick) {
  return h('button.btn.btn-small', { type: 'button', onclick: onClick }, '+ ' + i18n.t(labelKey));
}

// ---- sections -------------------------------------------------------------------------------------------------
function textsSection() {
  const used = new Set(draft.texts.map((t) => t.lang));
  return h('fieldset.group', { id: idOf('texts') },
    h('legend', null, i18n.t('p.texts')),
    h('p.hint', null, i18n.t('p.texts.hint')),
    draft.texts.map((t, i) => h('div.item', null,
      h('h2.item-title', null, i18n.language(t.lang)),
      select(`texts.${i}.lang`, 'p.text.lang', t.lang,
        TEXT_LANGS.filter((l) => l === t.lang || !used.has(l)).map((l) => [l, i18n.language(l)]), (v) => { t.lang = v; }),
      textField(`texts.${i}.name`, 'p.name', t.name, (v) => { t.name = v; }, { required: i === 0 }),
      textField(`texts.${i}.description`, 'p.description', t.description, (v) => { t.description = v; }, { textarea: true, hintKey: i === 0 ? 'p.description.hint' : null }),
      draft.texts.length > 1 ? removeButton('p.text.remove', { lang: i18n.language(t.lang) }, () => { draft.texts.splice(i, 1); save(); rerender(idOf('texts.0.name')); }) : null)),
    errorsFor('texts'),
    TEXT_LANGS.some((l) => !used.has(l)) ? addButton('p.text.add', () => {
      draft.texts.push({ lang: TEXT_LANGS.find((l) => !used.has(l)), name: '', description: '' });
      save(); rerender(idOf(`texts.${draft.texts.length - 1}.lang`));
    }) : null);
}

function checkboxGroup(anchor, legendKey, hintKey, options, chosen) {
  return h('fieldset.group', { id: idOf(anchor), ...describe(anchor) },
    h('legend', null, i18n.t(legendKey), h('span', { 'aria-hidden': 'true' }, ' *')),
    hintKey ? h('p.hint', null, i18n.t(hintKey)) : null,
    h('div.checks', null, options.map(([code, label]) => h('label', null,
      h('input', { type: 'checkbox', value: code, checked: chosen.includes(code), onchange: (e) => {
        const at = chosen.indexOf(code);
        if (e.target.checked && at < 0) chosen.push(code); else if (!e.target.checked && at >= 0) chosen.splice(at, 1);
        save();
      } }), ' ', label))),
    errorsFor(anchor));
}

function placeLabel(p) {
  const local = (p.names && p.names[i18n.lang]) || p.name;
  return `${local}, ${i18n.region(p.country)}`;
}

function locationItem(l, i) {
  const anchor = (f) => `locations.${i}.${f}`;
  const kind = h('div.field', null,
    h('span.label', { id: `lk-${i}` }, i18n.t('p.location.kind')),
    h('div.checks', { role: 'radiogroup', 'aria-labelledby': `lk-${i}` }, ['physical', 'online'].map((k) => h('label', null,
      h('input', { type: 'radio', name: `loc-kind-${i}`, value: k, checked: l.kind === k, id: idOf(anchor('kind.' + k)),
        onchange: () => { l.kind = k; save(); rerender(idOf(anchor('kind.' + k))); } }), ' ', i18n.t(`p.location.${k}`)))));
  const parts = [kind];
  if (l.kind === 'online') {
    parts.push(textField(anchor('serviceArea'), 'p.location.serviceArea', l.serviceArea, (v) => { l.serviceArea = v; }, { hintKey: 'p.location.serviceArea.hint' }));
  } else {
    const chosen = l.city ? findPlace(places, l.city) : null;
    const listId = `sugg-${i}`;
    const sugg = suggestions[i] || [];
    const cityInput = h('input', {
      id: idOf(anchor('city')), type: 'text', value: l.cityText ?? (chosen ? placeLabel(chosen).split(',')[0] : l.city), autocomplete: 'off',
      role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': sugg.length ? 'true' : 'false', 'aria-controls': listId,
      ...describe(anchor('city'), `h-city-${i}`), 'aria-required': 'true',
      oninput: (e) => {
        l.cityText = e.target.value;
        const exact = findPlace(places, e.target.value);
        l.city = exact ? exact.name : e.target.value.trim();
        l.country = exact ? exact.country : '';
        suggestions[i] = exact ? [] : suggestPlaces(places, e.target.value);
        save();
        renderSuggestions(i);
      },
      onkeydown: (e) => {
        if (e.key === 'ArrowDown' && (suggestions[i] || []).length) { e.preventDefault(); document.querySelector(`#${listId} button`)?.focus(); }
        if (e.key === 'Escape') { suggestions[i] = []; renderSuggestions(i); }
      },
    });
    parts.push(h('div.field', null,
      h('label', { for: idOf(anchor('city')) }, i18n.t('p.location.city'), h('span', { 'aria-hidden': 'true' }, ' *')),
      h('p.hint', { id: `h-city-${i}` }, chosen ? i18n.t('p.location.chosen', { place: placeLabel(chosen) }) : i18n.t('p.location.city.hint')),
      cityInput,
      h('ul.suggestions', { id: listId, hidden: sugg.length ? null : true, 'aria-label': i18n.t('p.location.suggestions') }),
      errorsFor(anchor('city'))));
    const precision = h('fieldset.group', null,
      h('legend', null, i18n.t('p.precision')),
      ['city', 'exact'].map((p) => h('label.checks', null,
        h('input', { type: 'radio', name: `precision-${i}`, value: p, checked: l.precision === p, id: idOf(anchor('precision.' + p)),
          onchange: () => { l.precision = p; save(); rerender(idOf(anchor('precision.' + p))); } }), ' ', i18n.t(`p.precision.${p}`))));
    parts.push(precision);
    if (l.precision === 'exact') {
      parts.push(h('p.notice.warn', { role: 'note' }, i18n.t('p.precision.warning')));
      parts.push(textField(anchor('address'), 'p.location.address', l.address, (v) => { l.address = v; }, { required: true }));
    }
  }
  if (draft.locations.length > 1) parts.push(removeButton('p.location.remove', { n: i + 1 }, () => { draft.locations.splice(i, 1); save(); rerender(idOf('locations.0.city')); }));
  return h('div.item', { id: `loc-${i}` }, h('h2.item-title', null, i18n.t('p.location.n', { n: i + 1 })), parts);
}

function renderSuggestions(i) {
  const list = document.getElementById(`sugg-${i}`);
  const inputEl = document.getElementById(idOf(`locations.${i}.city`));
  if (!list || !inputEl) return;
  const sugg = suggestions[i] || [];
  clear(list);
  list.hidden = sugg.length === 0;
  inputEl.setAttribute('aria-expanded', sugg.length ? 'true' : 'false');
  sugg.forEach((p, k) => list.append(h('li', null, h('button', {
    type: 'button',
    onclick: () => {
      const l = draft.locations[i];
      l.city = p.name; l.country = p.country; l.cityText = undefined;
      suggestions[i] = [];
      save(); rerender(idOf(`locations.${i}.city`));
    },
    onkeydown: (e) => {
      const buttons = [...list.querySelectorAll('button')];
      if (e.key === 'ArrowDown') { e.preventDefault(); buttons[Math.min(k + 1, buttons.length - 1)].focus(); }
      if (e.key === 'ArrowUp') { e.preventDefault(); (k === 0 ? inputEl : buttons[k - 1]).focus(); }
      if (e.key === 'Escape') { suggestions[i] = []; renderSuggestions(i); inputEl.focus(); }
    },
  }, placeLabel(p)))));
  const status = document.getElementById('sugg-status');
  if (status) status.textContent = sugg.length ? i18n.t('p.location.suggestionCount', { n: sugg.length }) : '';
}

function locationsSection() {
  return h('fieldset.group', { id: idOf('locations') },
    h('legend', null, i18n.t('p.locations')),
    h('p.hint', null, i18n.t('p.locations.hint')),
    draft.locations.map(locationItem),
    errorsFor('locations'),
    addButton('p.location.add', () => { draft.locations.push(emptyLocation()); save(); rerender(idOf(`locations.${draft.locations.length - 1}.city`)); }));
}

function contactsSection() {
  return h('fieldset.group', { id: idOf('contacts') },
    h('legend', null, i18n.t('p.contacts')),
    h('p.notice', null, i18n.t('p.contacts.privacy')),
    draft.contacts.map((c, i) => h('div.item', null,
      h('h2.item-title', null, i18n.t('p.contact.n', { n: i + 1 })),
      h('div.row', null,
        select(`contacts.${i}.kind`, 'p.contact.kind', c.kind, CONTACT_KINDS.map((k) => [k, i18n.t(`p.contact.kind.${k}`)]), (v) => { c.kind = v; }),
        textField(`contacts.${i}.value`, 'p.contact.value', c.value, (v) => { c.value = v; }, { type: c.kind === 'email' ? 'email' : 'text' })),
      select(`contacts.${i}.visibility`, 'p.contact.visibility', c.visibility, VISIBILITIES.map((v) => [v, i18n.t(`p.visibility.${v}`)]), (v) => { c.visibility = v; }),
      h('label.checks', null, h('input', { type: 'checkbox', id: idOf(`contacts.${i}.press`), checked: c.press, onchange: (e) => { c.press = e.target.checked; save(); } }), ' ', i18n.t('p.contact.press')),
      removeButton('p.contact.remove', { n: i + 1 }, () => { draft.contacts.splice(i, 1); save(); rerender(idOf('contacts-add')); }))),
    errorsFor('contacts'),
    h('button.btn.btn-small', { type: 'button', id: idOf('contacts-add'), onclick: () => { draft.contacts.push(emptyContact()); save(); rerender(idOf(`contacts.${draft.contacts.length - 1}.value`)); } }, '+ ' + i18n.t('p.contact.add')));
}

function linksSection() {
  return h('fieldset.group', { id: idOf('links') },
    h('legend', null, i18n.t('p.links')),
    textField('website', 'p.website', draft.website, (v) => { draft.website = v; }, { type: 'url', hintKey: 'p.website.hint' }),
    draft.channels.map((c, i) => h('div.row.item', null,
      select(`channels.${i}.kind`, 'p.channel.kind', c.kind, CHANNEL_KINDS.map((k) => [k, i18n.t(`p.channel.kind.${k}`)]), (v) => { c.kind = v; }),
      textField(`channels.${i}.url`, 'p.channel.url', c.url, (v) => { c.url = v; }, { type: 'url' }),
      removeButton('p.channel.remove', { n: i + 1 }, () => { draft.channels.splice(i, 1); save(); rerender(idOf('channels-add')); }))),
    h('button.btn.btn-small', { type: 'button', id: idOf('channels-add'), onclick: () => { draft.channels.push({ kind: 'telegram', url: '' }); save(); rerender(idOf(`channels.${draft.channels.length - 1}.url`)); } }, '+ ' + i18n.t('p.channel.add')));
}

let relSearch = { q: '', results: [], timer: null, seq: 0 };
function relationshipsSection() {
  const results = h('ul.suggestions#rel-results', { hidden: relSearch.results.length ? null : true, 'aria-label': i18n.t('p.rel.results') },
    relSearch.results.map((item) => h('li', null, h('button', { type: 'button', onclick: () => {
      if (!draft.relationships.some((r) => r.target === item.id)) {
        draft.relationships.push({ type: 'partner_of', target: item.id, label: (i18n.text(item.org.name) || {}).text || item.id });
      }
      relSearch = { ...relSearch, q: '', results: [] }; save(); rerender(idOf(`relationships.${draft.relationships.length - 1}.type`));
    } }, (i18n.text(item.org.name) || {}).text || item.id))));
  return h('fieldset.group', { id: idOf('relationships') },
    h('legend', null, i18n.t('p.rels')),
    h('p.hint', null, i18n.t('p.rels.hint')),
    draft.relationships.map((r, i) => h('div.item.chosen', { id: idOf(`relationships.${i}`) },
      select(`relationships.${i}.type`, 'p.rel.type', r.type, RELATIONSHIP_TYPES.map((t) => [t, i18n.t(`p.rel.${t}`)]), (v) => { r.type = v; }),
      h('span', null, r.label || r.target),
      removeButton('p.rel.remove', { name: r.label || r.target }, () => { draft.relationships.splice(i, 1); save(); rerender('rel-q'); }),
      errorsFor(`relationships.${i}`))),
    h('div.field', null,
      h('label', { for: 'rel-q' }, i18n.t('p.rel.search')),
      h('input#rel-q', { type: 'search', value: relSearch.q, autocomplete: 'off', oninput: (e) => searchRelated(e.target.value) }),
      results));
}

function searchRelated(q) {
  relSearch.q = q;
  clearTimeout(relSearch.timer);
  relSearch.timer = setTimeout(async () => {
    const seq = ++relSearch.seq;
    const r = q.trim().length >= 2 ? await callApi(`/api/organisations?q=${encodeURIComponent(q.trim())}`) : { ok: true, data: { items: [] } };
    if (seq !== relSearch.seq) return;
    relSearch.results = r.ok ? (r.data.items || []).filter((it) => it.id !== draft.listingId).slice(0, 8) : [];
    rerender('rel-q');
  }, 250);
}

function aboutYouSection() {
  return h('fieldset.group', null,
    h('legend', null, i18n.t('p.you')),
    textField('note', 'p.note', draft.note, (v) => { draft.note = v; }, { textarea: true, hintKey: 'p.note.hint' }),
    textField('email', 'p.email', draft.email, (v) => { draft.email = v; }, { type: 'email', autocomplete: 'email', hintKey: 'p.email.hint' }),
    // A field no person sees or fills (bots filling every input do): anything in it refuses the submission.
    h('div.trap', { 'aria-hidden': 'true' },
      h('label', { for: 'f-homepage' }, 'Leave this empty'),
      h('input#f-homepage', { type: 'text', name: 'homepage', tabindex: '-1', autocomplete: 'off', value: draft.honeypot, oninput: (e) => { draft.honeypot = e.target.value; save(); } })));
}

function bannerView() {
  if (!banner) return h('div#banner', { role: 'alert' });
  return h('div#banner', { role: 'alert' }, h(`div.notice.${banner.kind}`, null,
    h('p', null, banner.text),
    banner.list && banner.list.length ? h('ul', null, banner.list.map(([anchor, text]) => h('li', null, h('a', { href: `#${idOf(anchor)}`, onclick: (e) => { e.preventDefault(); document.getElementById(idOf(anchor))?.focus(); } }, text)))) : null));
}

function render() {
  const editing = !!draft.listingId;
  clear(main).append(
    h('h1', null, i18n.t(editing ? 'p.edit.title' : 'propose.title')),
    h('p', null, i18n.t(editing ? 'p.edit.intro' : 'p.intro')),
    restored ? h('p.notice.ok', null, i18n.t('p.restored')) : null,
    h('p.hint', null, i18n.t('p.draft')),
    bannerView(),
    h('form#propose-form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); send(); } },
      textsSection(),
      checkboxGroup('focus', 'p.focus', null, i18n.focusCodes().map((c) => [c, i18n.focus(c)]), draft.focus),
      checkboxGroup('languages', 'p.languages', 'p.languages.hint', WORKING_LANGUAGES.map((l) => [l, i18n.language(l)]), draft.languages),
      locationsSection(),
      contactsSection(),
      linksSection(),
      relationshipsSection(),
      aboutYouSection(),
      h('p#sugg-status.visually-hidden', { role: 'status' }),
      h('div.btn-row', null,
        h('button.btn#send', { type: 'submit', disabled: busy ? true : null }, i18n.t(busy ? 'p.sending' : 'p.send')),
        h('button.btn.btn-link', { type: 'button', onclick: discard }, i18n.t('p.discard'))),
      h('p#send-status.hint', { role: 'status', 'aria-live': 'polite' }, busy ? i18n.t('p.working') : '')));
  for (const i of Object.keys(suggestions)) renderSuggestions(Number(i));
}

function discard() {
  if (!window.confirm(i18n.t('p.discard.confirm'))) return;
  try { sessionStorage.removeItem(DRAFT_KEY); } catch { /* ignore */ }
  draft = emptyDraft(i18n.lang, listingId);
  errors = {}; banner = null; restored = false;
  if (listingId) { void prefill(); } else rerender();
}

/** Node or local errors → per-field messages in the visitor's language (the node's own words kept in English). */
function showErrors(fieldMap, fromNode) {
  errors = {};
  const list = [];
  for (const [path, messages] of Object.entries(fieldMap)) {
    const { anchor, key } = placeError(path, draft);
    const text = i18n.t(`err.${key}`) + (fromNode && i18n.lang === 'en' && messages.length ? ` (${messages.join(' ')})` : '');
    (errors[anchor] ||= []).push(text);
    list.push([anchor, text]);
  }
  banner = { kind: 'error', text: i18n.t('p.errors', { n: list.length }), list };
  render();
  const first = list[0] && document.getElementById(idOf(list[0][0]));
  (first || document.getElementById('banner')).focus();
}

async function send() {
  if (busy) return;
  const local = localErrors(draft);
  if (Object.keys(local).length) { showErrors(local, false); return; }
  busy = true; errors = {}; banner = null; rerender('send');
  const body = toSubmission(draft);
  let answer = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    const challenge = await callApi('/api/submissions/challenge');
    if (!challenge.ok) { answer = challenge; break; }
    const { nonce } = await solve(challenge.data.challenge, challenge.data.bits);
    answer = await callApi('/api/submissions', { method: 'POST', body: { ...body, proof: { challenge: challenge.data.challenge, nonce } } });
    // A challenge that expired meanwhile (or a node restart) costs one more try, not an error.
    if (!(answer.status === 403 && /^proof_/.test(answer.problem && answer.problem.code))) break;
  }
  busy = false;
  if (answer.ok) {
    try { sessionStorage.removeItem(DRAFT_KEY); } catch { /* ignore */ }
    const token = answer.data.receipt_token;
    location.assign(`/receipt?lang=${i18n.lang}&new=1#${token}`);
    return;
  }
  if (answer.network) banner = { kind: 'error', text: i18n.t('node.offline') };
  else if (answer.status === 422 && Object.keys(fieldErrors(answer.problem)).length) { showErrors(fieldErrors(answer.problem), true); return; }
  else if (answer.status === 429) banner = { kind: 'error', text: i18n.t('p.tooMany') };
  else if (answer.problem && answer.problem.code === 'refused') banner = { kind: 'error', text: i18n.t('p.refused') };
  else banner = { kind: 'error', text: i18n.t('node.error', { status: answer.status }) };
  rerender();
  document.getElementById('banner').focus();
}

async function prefill() {
  const r = await callApi(`/api/organisations/${encodeURIComponent(listingId)}`);
  if (!r.ok) {
    draft = emptyDraft(i18n.lang, null);
    banner = { kind: 'warn', text: i18n.t(r.network ? 'node.offline' : 'p.edit.missing') };
  } else {
    const ids = (r.data.org.relationships || []).map((x) => x.target);
    const names = {};
    await Promise.all(ids.map(async (id) => {
      const o = await callApi(`/api/organisations/${encodeURIComponent(id)}`);
      if (o.ok) names[id] = (i18n.text(o.data.org.name) || {}).text;
    }));
    draft = draftFromOrganisation(r.data.org, listingId, names);
  }
  rerender();
}

const page = await startNodePage({
  titleKey: 'propose.title',
  vocabulary: true,
  messages: [PROPOSE_MESSAGES],
  render(t) {
    i18n = t;
    if (!draft) {
      const saved = loadSaved();
      draft = saved || emptyDraft(t.lang, listingId);
      restored = !!saved;
    }
    render();
  },
});
void page;
const placesAnswer = await callApi('/api/places');
places = placesAnswer.ok ? placesAnswer.data : [];
if (listingId && !restored) await prefill(); else rerender();
document.body.dataset.formReady = 'true';
