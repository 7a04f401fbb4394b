// Pure parts of the propose page: the draft (what the visitor typed), turning it into a submission body,
// prefilling it from a published organisation, and mapping the node's field paths to the draft's inputs.
// No DOM here, so unit tests cover it.

export const CONTACT_KINDS = ['email', 'phone', 'telegram', 'signal', 'whatsapp', 'web', 'other'];
export const CHANNEL_KINDS = ['telegram', 'instagram', 'youtube', 'x', 'facebook', 'vk', 'mastodon', 'bluesky', 'other'];
export const VISIBILITIES = ['public', 'vetted', 'hidden'];
export const RELATIONSHIP_TYPES = ['member_of', 'partner_of'];
export const WORKING_LANGUAGES = ['ru', 'uk', 'en', 'de', 'be', 'ka', 'hy', 'kk', 'ky', 'uz', 'az', 'ro', 'lt', 'lv', 'et', 'pl', 'cs', 'sr', 'fr', 'es', 'it', 'he', 'tr', 'fi'];

export const emptyLocation = () => ({ kind: 'physical', city: '', country: '', precision: 'city', address: '', serviceArea: '' });
export const emptyContact = () => ({ kind: 'email', value: '', visibility: 'public', press: false });

export function emptyDraft(uiLang = 'en', listingId = null) {
  return {
    v: 1, listingId,
    texts: [{ lang: uiLang, name: '', description: '' }],
    focus: [], languages: [], locations: [emptyLocation()], contacts: [], website: '', channels: [], relationships: [],
    note: '', email: '', honeypot: '',
  };
}

const trimOrNull = (s) => { const t = String(s ?? '').trim(); return t === '' ? null : t; };

/** The JSON body of POST /api/submissions (without the proof). */
export function toSubmission(d) {
  const name = {}, description = {};
  for (const t of d.texts) {
    if (trimOrNull(t.name)) name[t.lang] = t.name.trim();
    if (trimOrNull(t.description)) description[t.lang] = t.description.trim();
  }
  const locations = d.locations.map((l) => l.kind === 'online'
    ? { kind: 'online', service_area: parseServiceArea(l.serviceArea) }
    : { kind: 'physical', city: trimOrNull(l.city), country: trimOrNull(l.country), precision: l.precision === 'exact' ? 'exact' : 'city',
      ...(l.precision === 'exact' && trimOrNull(l.address) ? { address: l.address.trim() } : {}) });
  const organisation = {
    name, description, focus: [...d.focus], languages: [...d.languages], locations,
    contacts: d.contacts.filter((c) => trimOrNull(c.value)).map((c) => ({ kind: c.kind, value: c.value.trim(), visibility: c.visibility, press: !!c.press })),
    channels: d.channels.filter((c) => trimOrNull(c.url)).map((c) => ({ kind: c.kind, url: c.url.trim() })),
    relationships: d.relationships.filter((r) => r.target).map((r) => ({ type: r.type, target: r.target })),
  };
  if (trimOrNull(d.website)) organisation.website = d.website.trim();
  const body = { organisation };
  if (d.listingId) body.listing_id = d.listingId;
  if (trimOrNull(d.email)) body.submitter_email = d.email.trim();
  if (trimOrNull(d.note)) body.note = d.note.trim();
  if (d.honeypot) body.honeypot = d.honeypot;
  return body;
}

/** "*" or "everywhere" → ["*"]; otherwise ISO country codes separated by commas or spaces. */
export function parseServiceArea(text) {
  const parts = String(text ?? '').split(/[\s,;]+/).map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0 || parts.includes('*')) return ['*'];
  return [...new Set(parts.map((p) => p.toUpperCase()))];
}

/** A draft for "suggest a correction", from the published organisation (public fields only, as signed). */
export function draftFromOrganisation(org, listingId, names = {}) {
  const d = emptyDraft('en', listingId);
  const langs = [...new Set([...Object.keys(org.name || {}), ...Object.keys(org.description || {})])];
  d.texts = langs.map((lang) => ({ lang, name: (org.name || {})[lang] || '', description: (org.description || {})[lang] || '' }));
  if (d.texts.length === 0) d.texts = emptyDraft().texts;
  d.focus = [...(org.focus || [])];
  d.languages = [...(org.languages || [])];
  d.locations = (org.locations || []).map((l) => l.kind === 'online'
    ? { ...emptyLocation(), kind: 'online', serviceArea: (l.service_area || ['*']).join(', ') }
    : { ...emptyLocation(), city: l.city || '', country: l.country || '', precision: l.precision === 'exact' ? 'exact' : 'city', address: l.address || '' });
  if (d.locations.length === 0) d.locations = [emptyLocation()];
  d.contacts = (org.contacts || []).map((c) => ({ kind: c.kind, value: c.value, visibility: 'public', press: !!c.press }));
  d.website = org.website || '';
  d.channels = (org.channels || []).map((c) => ({ kind: c.kind, url: c.url }));
  d.relationships = (org.relationships || []).map((r) => ({ type: r.type, target: r.target, label: names[r.target] || '' }));
  return d;
}

/** Checks the browser can make without the node (same field paths as the node's validation problem). */
export function localErrors(d) {
  const errors = {};
  const body = toSubmission(d);
  if (Object.keys(body.organisation.name).length === 0) errors['organisation.name'] = ['required'];
  if (d.focus.length === 0) errors['organisation.focus'] = ['required'];
  if (d.languages.length === 0) errors['organisation.languages'] = ['required'];
  d.locations.forEach((l, i) => {
    if (l.kind === 'physical' && !trimOrNull(l.city)) errors[`organisation.locations[${i}].city`] = ['required'];
    if (l.kind === 'physical' && l.precision === 'exact' && !trimOrNull(l.address)) errors[`organisation.locations[${i}].address`] = ['required'];
  });
  if (d.locations.length === 0) errors['organisation.locations'] = ['required'];
  return errors;
}

/**
 * Where a field path of the node's answer belongs in the form, and which message explains it:
 * returns { anchor, key } — anchor names the input (ids are derived from it), key the message ("err.<key>").
 */
export function placeError(path, draft) {
  const p = String(path).replace(/^organisation\./, '');
  let m;
  if ((m = /^(name|description)(?:\.(.+))?$/.exec(p))) {
    const i = m[2] ? Math.max(0, draft.texts.findIndex((t) => t.lang === m[2])) : 0;
    return { anchor: `texts.${i}.${m[1]}`, key: m[1] };
  }
  if ((m = /^locations\[(\d+)\](?:\.(\w+))?/.exec(p))) {
    const field = { city: 'city', country: 'city', lat: 'city', lon: 'city', address: 'address', service_area: 'serviceArea', precision: 'address' }[m[2]] || 'city';
    const kind = draft.locations[+m[1]] && draft.locations[+m[1]].kind === 'online' && field === 'city' ? 'serviceArea' : field;
    return { anchor: `locations.${m[1]}.${kind}`, key: m[2] === 'country' ? 'country' : kind };
  }
  if ((m = /^contacts\[(\d+)\](?:\.(\w+))?/.exec(p))) return { anchor: `contacts.${m[1]}.${m[2] === 'kind' || m[2] === 'visibility' ? m[2] : 'value'}`, key: `contact.${m[2] || 'value'}` };
  if ((m = /^channels\[(\d+)\]/.exec(p))) return { anchor: `channels.${m[1]}.url`, key: 'channel' };
  if ((m = /^relationships\[(\d+)\]/.exec(p))) return { anchor: `relationships.${m[1]}`, key: 'relationship' };
  if (/^focus/.test(p)) return { anchor: 'focus', key: 'focus' };
  if (/^languages/.test(p)) return { anchor: 'languages', key: 'languages' };
  if (/^locations/.test(p)) return { anchor: 'locations', key: 'locations' };
  if (/^contacts/.test(p)) return { anchor: 'contacts', key: 'contacts' };
  if (/^website/.test(p)) return { anchor: 'website', key: 'website' };
  if (p === 'submitter_email') return { anchor: 'email', key: 'email' };
  if (p === 'note') return { anchor: 'note', key: 'note' };
  if (p === 'listing_id') return { anchor: 'form', key: 'listing' };
  return { anchor: 'form', key: 'field' };
}

/** Gazetteer lookup by any name or spelling (case-insensitive, ё = е). */
export function findPlace(places, text) {
  const norm = (s) => String(s || '').trim().toLowerCase().replace(/ё/g, 'е');
  const want = norm(text);
  if (!want) return null;
  return places.find((p) => [p.name, ...Object.values(p.names || {}), ...(p.variants || [])].some((n) => norm(n) === want)) || null;
}

/** Places whose names start with (or contain) the text, best first, at most `limit`. */
export function suggestPlaces(places, text, limit = 8) {
  const norm = (s) => String(s || '').trim().toLowerCase().replace(/ё/g, 'е');
  const want = norm(text);
  if (want.length < 1) return [];
  const scored = [];
  for (const p of places) {
    const names = [p.name, ...Object.values(p.names || {}), ...(p.variants || [])].map(norm);
    const score = names.some((n) => n.startsWith(want)) ? 0 : names.some((n) => n.includes(want)) ? 1 : -1;
    if (score >= 0) scored.push([score, p]);
  }
  return scored.sort((a, b) => a[0] - b[0] || a[1].name.localeCompare(b[1].name)).slice(0, limit).map(([, p]) => p);
}
