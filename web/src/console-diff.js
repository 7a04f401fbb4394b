// Pure helpers of the editors' console: an organisation (the node's private record, as the console API returns
// it) as a flat list of labelled fields, a field-by-field diff of two versions, and review-date checks.

function place(l) {
  if (!l) return '';
  if (l.kind === 'online') return `online${l.service_area && l.service_area.length ? ` (${l.service_area.join(', ')})` : ''}`;
  const where = [l.address, l.city, l.country].filter(Boolean).join(', ');
  return `${where}${l.precision && l.precision !== 'city' ? ` [${l.precision}]` : ''}`;
}

function contact(c) {
  const flags = [c.visibility || 'public', c.press ? 'press' : null].filter(Boolean).join(', ');
  return `${c.kind}: ${c.value} (${flags})`;
}

/**
 * The fields of an organisation as [{ key, value, private }] in a stable order. `key` is the field path
 * (name.ru, contacts[1], …); `private` marks contacts that never leave the node.
 */
export function orgFields(org) {
  if (!org) return [];
  const out = [];
  const add = (key, value, isPrivate = false) => { if (value !== undefined && value !== null && value !== '') out.push({ key, value: String(value), private: isPrivate }); };
  for (const [lang, text] of Object.entries(org.name || {})) add(`name.${lang}`, text);
  for (const [lang, text] of Object.entries(org.description || {})) add(`description.${lang}`, text);
  add('focus', (org.focus || []).join(', '));
  add('languages', (org.languages || []).join(', '));
  (org.locations || []).forEach((l, i) => add(`locations[${i}]`, place(l)));
  (org.contacts || []).forEach((c, i) => add(`contacts[${i}]`, contact(c), (c.visibility || 'public') !== 'public'));
  add('website', org.website);
  (org.channels || []).forEach((c, i) => add(`channels[${i}]`, `${c.kind}: ${c.url}`));
  (org.relationships || []).forEach((r, i) => add(`relationships[${i}]`, `${r.type} → ${r.target}`));
  add('scope', org.scope);
  return out;
}

/** Rows that differ between two versions: [{ key, before, after, private }] (before/after null when absent). */
export function diffOrgs(before, after) {
  const a = new Map(orgFields(before).map((f) => [f.key, f]));
  const b = new Map(orgFields(after).map((f) => [f.key, f]));
  const keys = [...new Set([...b.keys(), ...a.keys()])]; // the new version's order, then removed fields
  const rows = [];
  for (const key of keys) {
    const x = a.get(key), y = b.get(key);
    if (x && y && x.value === y.value) continue;
    rows.push({ key, before: x ? x.value : null, after: y ? y.value : null, private: Boolean((x && x.private) || (y && y.private)) });
  }
  return rows;
}

/** True when the listing's review_by date (YYYY-MM-DD) is before today (UTC). */
export function isOverdue(reviewBy, today = new Date().toISOString().slice(0, 10)) {
  return typeof reviewBy === 'string' && reviewBy < today;
}

/** The name to show: the UI language's, else the first one. */
export function orgName(org, lang) {
  const names = (org && org.name) || {};
  return names[lang] || Object.values(names)[0] || '—';
}

/** Pending submissions newest first (the API lists them oldest first). */
export function newestFirst(submissions) {
  return [...submissions].sort((x, y) => (y.created_at - x.created_at) || (y.id - x.id));
}

/** Listings whose name (any language) contains the query, case-insensitively; all when the query is empty. */
export function filterOrgs(orgs, query) {
  const q = (query || '').trim().toLocaleLowerCase();
  if (!q) return orgs;
  return orgs.filter((o) => Object.values((o.organisation && o.organisation.name) || {}).some((n) => n.toLocaleLowerCase().includes(q)));
}
