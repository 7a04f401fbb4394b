// Export of the current selection (public fields only) as CSV, GeoJSON, JSON; vCard for one organisation.
import { pickText } from './i18n.js';
import { validGeo } from './geo.js';

/** Fields of a document that are public and exported (the contract's public shape, minus index bookkeeping). */
const ORG_FIELDS = ['listing_id', 'name', 'description', 'focus', 'languages', 'cities', 'countries', 'online', 'website',
  'contacts', 'channels', 'relationships', 'org_status', 'scope', 'last_confirmed', 'review_by', 'node', 'node_name',
  'provenance', 'endorsed_by', 'endorsed', 'alerts'];
const PLACE_FIELDS = ['doc_id', 'city', 'country', 'place'];

function pick(doc, fields) {
  const out = {};
  for (const f of fields) if (doc[f] !== undefined) out[f] = structuredClone(doc[f]);
  return out;
}

/** Public record of an organisation (one per listing). Contacts keep only public shape fields. */
export function publicRecord(doc) {
  const r = pick(doc, ORG_FIELDS);
  if (Array.isArray(r.contacts)) {
    r.contacts = r.contacts.map((c) => pick(c, ['kind', 'value', 'label', 'press']));
  }
  return r;
}

/** Neutralise spreadsheet formulas, then quote per RFC 4180. */
export function csvCell(value) {
  let s = value == null ? '' : Array.isArray(value) ? value.join('; ') : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  if (/[",\r\n;]/.test(s) || /^\s|\s$/.test(s)) s = '"' + s.replace(/"/g, '""') + '"';
  return s;
}

export const CSV_COLUMNS = ['listing_id', 'name', 'description', 'focus', 'languages', 'cities', 'countries', 'online',
  'website', 'emails', 'phones', 'other_contacts', 'press_contacts', 'channels', 'last_confirmed', 'node', 'verified_at',
  'endorsed_by', 'alerts', 'verified', 'verification'];

/**
 * Per-row verification of an export (verdicts: Map listing_id → verify.js verdict): `verified` is true only when this
 * browser verified the row against the node's signature; `verification` is "ok" or the rule that failed.
 */
export function verification(verdicts, listingId) {
  const v = verdicts?.get(listingId);
  return { verified: v?.ok === true, verification: v ? (v.ok ? 'ok' : v.rule) : 'Missing' };
}

function contactString(c) {
  return `${c.kind}: ${c.value}`;
}

/** CSV with one row per organisation; multilingual text in the chosen language (with fallback). */
export function toCSV(docs, chain = ['en'], verdicts = null) {
  const rows = [CSV_COLUMNS.map(csvCell).join(',')];
  for (const d of docs) {
    const contacts = Array.isArray(d.contacts) ? d.contacts : [];
    const row = {
      listing_id: d.listing_id,
      name: pickText(d.name, chain)?.text ?? '',
      description: pickText(d.description, chain)?.text ?? '',
      focus: d.focus || [],
      languages: d.languages || [],
      cities: d.cities || (d.city ? [d.city] : []),
      countries: d.countries || (d.country ? [d.country] : []),
      online: d.online ? 'yes' : 'no',
      website: d.website || '',
      emails: contacts.filter((c) => c.kind === 'email').map((c) => c.value),
      phones: contacts.filter((c) => c.kind === 'phone').map((c) => c.value),
      other_contacts: contacts.filter((c) => c.kind !== 'email' && c.kind !== 'phone').map(contactString),
      press_contacts: contacts.filter((c) => c.press).map(contactString),
      channels: (d.channels || []).map((c) => `${c.kind}: ${c.url}`),
      last_confirmed: d.last_confirmed || '',
      node: d.node_name || d.node || '',
      verified_at: d.provenance?.verified_at || '',
      endorsed_by: d.endorsed_by || [],
      alerts: (d.alerts || []).map((a) => a.kind),
    };
    const v = verification(verdicts, d.listing_id);
    row.verified = v.verified ? 'yes' : 'no';
    row.verification = v.verification;
    rows.push(CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  }
  // BOM so that spreadsheet programs read UTF-8 (Cyrillic) correctly
  return '\ufeff' + rows.join('\r\n') + '\r\n';
}

/** GeoJSON FeatureCollection with one feature per place that has coordinates. */
export function toGeoJSON(docs, verdicts = null) {
  const features = [];
  for (const d of docs) {
    if (!validGeo(d._geo)) continue;
    features.push({
      type: 'Feature',
      id: d.doc_id,
      geometry: { type: 'Point', coordinates: [d._geo.lng, d._geo.lat] },
      properties: { ...publicRecord(d), ...pick(d, PLACE_FIELDS), ...verification(verdicts, d.listing_id) },
    });
  }
  return JSON.stringify({ type: 'FeatureCollection', features }, null, 2);
}

/** JSON array with one public record per organisation. */
export function toJSON(docs, verdicts = null) {
  const seen = new Set();
  const out = [];
  for (const d of docs) {
    if (seen.has(d.listing_id)) continue;
    seen.add(d.listing_id);
    out.push({ ...publicRecord(d), ...verification(verdicts, d.listing_id) });
  }
  return JSON.stringify(out, null, 2);
}

/** Escape a vCard text value (RFC 6350 §3.4); control characters are dropped. */
export function vcardEscape(s) {
  return String(s ?? '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Fold a content line at 75 octets without splitting UTF-8 sequences. */
export function foldLine(line) {
  const enc = new TextEncoder();
  const parts = [];
  let cur = '', bytes = 0, limit = 75;
  for (const ch of line) {
    const b = enc.encode(ch).length;
    if (bytes + b > limit) { parts.push(cur); cur = ''; bytes = 0; limit = 74; }
    cur += ch; bytes += b;
  }
  parts.push(cur);
  return parts.join('\r\n ');
}

function uriValue(s) {
  // URIs in vCard are not text-escaped, but must not break the line structure
  return String(s ?? '').replace(/[\u0000-\u001f\u007f\s]/g, '');
}

/** vCard 3.0 for an organisation (all places as work addresses). Contacts and URLs only when `verified`. */
export function toVCard(doc, chain = ['en'], places = [], { verified = false } = {}) {
  const name = pickText(doc.name, chain)?.text || doc.listing_id || '';
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${vcardEscape(name)}`, `N:${vcardEscape(name)};;;;`, `ORG:${vcardEscape(name)}`, 'KIND:org'];
  for (const c of verified ? doc.contacts || [] : []) {
    const v = c.value;
    if (!v) continue;
    if (c.kind === 'email') lines.push(`EMAIL;TYPE=INTERNET${c.press ? ',PREF' : ''}:${vcardEscape(v)}`);
    else if (c.kind === 'phone') lines.push(`TEL;TYPE=WORK,VOICE:${vcardEscape(v)}`);
    else if (c.kind === 'web') lines.push(`URL:${uriValue(v)}`);
    else lines.push(`X-SOCIALPROFILE;TYPE=${vcardEscape(c.kind || 'other').replace(/[^a-z0-9-]/gi, '')}:${vcardEscape(v)}`);
  }
  if (verified && doc.website) lines.push(`URL:${uriValue(doc.website)}`);
  const ps = places.length ? places : [doc];
  const seen = new Set();
  for (const p of ps) {
    const city = p.city || p.place?.city;
    if (!city) continue;
    const country = p.country || p.place?.country || '';
    const key = city + '|' + country;
    if (seen.has(key)) continue;
    seen.add(key);
    const street = p.place?.precision === 'exact' && p.place?.address ? p.place.address : '';
    lines.push(`ADR;TYPE=WORK:;;${vcardEscape(street)};${vcardEscape(city)};;;${vcardEscape(country)}`);
  }
  const desc = pickText(doc.description, chain)?.text;
  if (desc) lines.push(`NOTE:${vcardEscape(desc)}`);
  if (doc.last_confirmed) lines.push(`REV:${vcardEscape(doc.last_confirmed)}`);
  lines.push('END:VCARD');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/** A safe file name stem from arbitrary text. */
export function fileStem(s, fallback = 'atlas') {
  const stem = String(s || '').normalize('NFKC').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return stem || fallback;
}
