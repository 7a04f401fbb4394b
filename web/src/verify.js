// Verification of an organisation card in the browser (docs/protocol.md §11): the listing's JWS, the node's keyset
// chain back to the root pinned in config.json, and every shown field against the signed payload after the indexer's
// documented transformations (docs/search-documents.md). Pure functions over WebCrypto (passed in); no DOM, no fetch.
// Check order and rule names follow protocol/Verification/KeysetVerifier.cs and SignedObjects.cs.
import {
  LIMITS, VerifyError, strictJson, exactMembers, parseCompact, parseGeneral, importKeyEntry, verifyPart, versionHash,
} from './jose.js';

export { VerifyError };

const fail = (rule, message) => { throw new VerifyError(rule, message); };
const NODE_ID = /^[a-z][a-z0-9-]{1,62}$/;
const LISTING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEYSET_MEMBERS = ['iss', 'version', 'iat', 'exp', 'threshold', 'roots', 'signing', 'revoked'];
const LISTING_MEMBERS = ['iss', 'id', 'seq', 'prev', 'iat', 'status', 'org'];
const ORG_MEMBERS = ['name', 'description', 'focus', 'languages', 'locations', 'contacts', 'website', 'channels',
  'relationships', 'status', 'scope', 'last_confirmed', 'review_by'];
const isInt = (x) => Number.isSafeInteger(x);

// ---- keysets (KeysetVerifier) ------------------------------------------------------------------------------------

/** A keyset whose signatures verified: keys imported once and reused (TrustedKeyset). */
async function buildKeyset(subtle, parts, raw) {
  const p = exactMembers(strictJson(parts[0].payload), KEYSET_MEMBERS, 'keyset payload');
  if (!Array.isArray(p.roots) || !Array.isArray(p.signing) || !Array.isArray(p.revoked) || !isInt(p.version) || !isInt(p.exp) || !isInt(p.threshold)) {
    fail('Malformed', 'Keyset payload has members of the wrong type.');
  }
  const roots = new Map(), signing = new Map();
  for (const e of p.roots) roots.set(e.kid, await importKeyEntry(subtle, e));
  for (const e of p.signing) signing.set(e.kid, await importKeyEntry(subtle, e));
  return { payload: p, raw, iss: p.iss, version: p.version, roots, signing, revoked: new Set(p.revoked) };
}

function checkShape(k, nowSeconds) {
  const p = k.payload;
  if (p.version < 1 || p.version > LIMITS.maxSeq) fail('FastForward', `Keyset version ${p.version} is out of range.`);
  if (typeof p.iss !== 'string' || !NODE_ID.test(p.iss)) fail('Invalid', 'Keyset iss is not a valid node id.');
  if (p.roots.length === 0 || p.roots.length > 16 || p.threshold < 1 || p.threshold > p.roots.length) {
    fail('Invalid', 'Keyset needs 1–16 roots and 1 ≤ threshold ≤ number of roots.');
  }
  if (p.signing.length === 0 || p.signing.length > 64 || !p.signing.some((e) => e.status === 'current')) {
    fail('Invalid', 'Keyset needs at least one current signing key.');
  }
  if (p.signing.some((e) => e.status !== 'current' && e.status !== 'retired') || p.roots.some((e) => e.status !== null)) {
    fail('Invalid', 'Signing keys are current or retired; root keys carry no status.');
  }
  if ([...p.signing, ...p.roots].some((e) => k.revoked.has(e.kid))) fail('Invalid', 'A revoked key is still listed as valid.');
  if (nowSeconds !== null && p.exp <= nowSeconds) fail('Expired', `Keyset version ${p.version} of '${p.iss}' has expired.`);
}

async function validSigners(subtle, parts, roots) {
  const signers = new Set();
  for (const part of parts) {
    const key = roots.get(part.header.kid);
    if (key && await verifyPart(subtle, key, part)) signers.add(part.header.kid);
  }
  return signers;
}

function requireThreshold(valid, threshold, whose) {
  if (valid < threshold) fail('KeysetThreshold', `Keyset carries ${valid} valid signature(s) by ${whose} root keys; ${threshold} required.`);
}

/** Rule 1 (first contact): names the pinned root, signed by it and by a threshold of its own roots. */
export async function verifyKeysetFirst(subtle, json, pinnedRootKid, nowSeconds) {
  const parts = parseGeneral(json, 'atlas-keyset', LIMITS.keyset);
  const candidate = await buildKeyset(subtle, parts, json);
  checkShape(candidate, nowSeconds);
  if (!candidate.roots.has(pinnedRootKid)) fail('PinMismatch', `Keyset of '${candidate.iss}' does not name the pinned root key ${pinnedRootKid}.`);
  const signers = await validSigners(subtle, parts, candidate.roots);
  if (!signers.has(pinnedRootKid)) fail('PinMismatch', 'The pinned root key did not sign this keyset.');
  requireThreshold(signers.size, candidate.payload.threshold, 'its own');
  return candidate;
}

/** Rule 2 (update N → N+1): threshold of N's roots first, then version, shape, own threshold, no un-revocation. */
export async function verifyKeysetNext(subtle, current, json, nowSeconds) {
  if (json === current.raw) return current;
  const parts = parseGeneral(json, 'atlas-keyset', LIMITS.keyset);
  requireThreshold((await validSigners(subtle, parts, current.roots)).size, current.payload.threshold, `version ${current.version}'s`);
  const candidate = await buildKeyset(subtle, parts, json);
  if (candidate.iss !== current.iss) fail('WrongIssuer', `Keyset issuer changed from '${current.iss}' to '${candidate.iss}'.`);
  if (candidate.version <= current.version) fail('KeysetRollback', `Keyset version ${candidate.version} is not newer than ${current.version}.`);
  if (candidate.version !== current.version + 1) fail('KeysetGap', `Keyset version ${candidate.version} skips versions after ${current.version}.`);
  checkShape(candidate, nowSeconds);
  requireThreshold((await validSigners(subtle, parts, candidate.roots)).size, candidate.payload.threshold, 'its own');
  const undone = [...current.revoked].filter((kid) => !candidate.revoked.has(kid));
  if (undone.length) fail('Invalid', `Keyset version ${candidate.version} un-revokes ${undone.join(', ')}.`);
  return candidate;
}

/**
 * Walks a chain (oldest first) from the pinned root: rule 1 on the first version, rule 2 on each next one. Only the
 * newest version must be unexpired (as the indexer does when it walks versions).
 */
export async function verifyKeysetChain(subtle, chain, pinnedRootKid, nowSeconds) {
  if (!Array.isArray(chain) || chain.length === 0 || chain.some((k) => typeof k !== 'string')) fail('Missing', 'The node\'s keyset is missing.');
  const last = chain.length - 1;
  let keyset = await verifyKeysetFirst(subtle, chain[0], pinnedRootKid, last === 0 ? nowSeconds : null);
  for (let i = 1; i <= last; i++) keyset = await verifyKeysetNext(subtle, keyset, chain[i], i === last ? nowSeconds : null);
  return keyset;
}

// ---- listings (SignedObjects.VerifyListing + ListingRules) -----------------------------------------------------

function signingKey(keyset, kid) {
  if (keyset.revoked.has(kid)) fail('RevokedKey', `Key ${kid} was revoked by keyset version ${keyset.version}.`);
  const key = keyset.signing.get(kid);
  if (!key) fail('UnknownKey', `Key ${kid} is not a signing key of node '${keyset.iss}'.`);
  return key;
}

function checkListing(p) {
  if (typeof p.iss !== 'string' || !NODE_ID.test(p.iss)) fail('Invalid', 'Listing iss is not a valid node id.');
  if (typeof p.id !== 'string' || !LISTING_ID.test(p.id)) fail('Invalid', 'Listing id must be a lowercase UUID.');
  if (!isInt(p.seq) || p.seq < 1 || p.seq > LIMITS.maxSeq) fail('FastForward', `Listing seq ${p.seq} is out of range.`);
  if ((p.seq === 1) !== (p.prev === null)) fail('Invalid', 'prev is null exactly when seq is 1.');
  if (!isInt(p.iat) || p.iat <= 0) fail('Invalid', 'iat must be a positive unix time.');
  if (p.status === 'tombstone' && p.org !== null) fail('Invalid', 'A tombstone carries no organisation data.');
  if (p.status === 'active') {
    if (p.org === null) fail('Invalid', 'An active listing carries an organisation.');
    exactMembers(p.org, ORG_MEMBERS, 'organisation', 'Invalid');
    for (const f of ['focus', 'languages', 'locations', 'contacts', 'channels', 'relationships']) {
      if (!Array.isArray(p.org[f])) fail('Invalid', `Organisation ${f} must be an array.`);
    }
  } else if (p.status !== 'tombstone') fail('Invalid', `Unknown listing status '${p.status}'.`);
}

/** Verification order of docs/protocol.md §7, steps 1–8, for one listing signed by a key of `keyset`. */
export async function verifyListing(subtle, compact, keyset, expectedId) {
  const part = parseCompact(compact, 'atlas-listing', LIMITS.listing);
  const key = signingKey(keyset, part.header.kid);
  if (!await verifyPart(subtle, key, part)) fail('BadSignature', 'Listing signature does not verify.');
  const payload = exactMembers(strictJson(part.payload), LISTING_MEMBERS, 'listing payload');
  if (payload.iss !== keyset.iss) fail('WrongIssuer', `Listing claims issuer '${payload.iss}' but was signed by a key of '${keyset.iss}'.`);
  if (expectedId != null && payload.id !== expectedId) fail('WrongObject', `Asked for listing ${expectedId}, got ${payload.id}.`);
  checkListing(payload);
  return { payload, hash: await versionHash(subtle, part), kid: part.header.kid };
}

/** The issuer a listing claims, read before anything verified (only to pick the keyset and pin to check). */
export function claimedIssuer(compact) {
  try {
    const payload = strictJson(parseCompact(compact, 'atlas-listing', LIMITS.listing).payload);
    return typeof payload.iss === 'string' ? payload.iss : null;
  } catch { return null; }
}

// ---- the card's fields against the signed payload (docs/search-documents.md) ------------------------------------

/** Null and absent are the same; key order does not matter; arrays keep their order. */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== null && v[k] !== undefined) out[k] = canonical(v[k]);
    return out;
  }
  return v === undefined ? null : v;
}
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * What the indexer writes for a verified listing, restricted to the fields the card shows (docs/search-documents.md,
 * "from the signed listing"): one entry per location, keyed by doc_id.
 */
export function expectedDocuments(payload, { hash, kid }) {
  const o = payload.org;
  const online = o.locations.some((l) => l.kind === 'online');
  const physical = o.locations.filter((l) => l.kind === 'physical');
  const common = {
    cities: [...new Set(physical.map((l) => l.city))], countries: [...new Set(physical.map((l) => l.country))],
    listing_id: payload.id, node: payload.iss, name: o.name, description: o.description, focus: o.focus,
    languages: o.languages, online, website: o.website,
    contacts: o.contacts.map((c) => ({ kind: c.kind, value: c.value, label: c.label, press: c.press })),
    channels: o.channels.map((c) => ({ kind: c.kind, url: c.url })),
    relationships: o.relationships.map((r) => ({ type: r.type, target: r.target })),
    org_status: o.status, scope: o.scope, last_confirmed: o.last_confirmed, review_by: o.review_by,
    provenance: { node: payload.iss, seq: payload.seq, hash, kid }, updated_at: payload.iat,
  };
  return o.locations.map((l, n) => ({
    ...common, doc_id: `${payload.id}_${n}`, city: l.city, country: l.country,
    place: { kind: l.kind, city: l.city, country: l.country, precision: l.precision, address: l.address, service_area: l.service_area },
    _geo: l.lat !== null && l.lon !== null && l.lat !== undefined && l.lon !== undefined ? { lat: l.lat, lng: l.lon } : null,
  }));
}

/** The same fields of a search document as shown (derived, unsigned parts dropped: target_name, node_name, verified_at). */
function shownFields(doc, fields) {
  const out = {};
  for (const f of fields) {
    let v = doc[f];
    if (f === 'relationships' && Array.isArray(v)) v = v.map((r) => ({ type: r?.type, target: r?.target }));
    if (f === 'contacts' && Array.isArray(v)) v = v.map((c) => ({ kind: c?.kind, value: c?.value, label: c?.label, press: c?.press }));
    if (f === 'provenance' && v && typeof v === 'object') v = { node: v.node, seq: v.seq, hash: v.hash, kid: v.kid };
    out[f] = v;
  }
  return out;
}

/**
 * Differences between the documents and the signed payload: [{field, docId, shown, signed}], empty when equal.
 * `partial`: the documents are a subset of the listing's places (an export row), so missing places are not reported.
 */
export function compareDocuments(docs, payload, verified, { partial = false } = {}) {
  if (payload.status !== 'active' || !payload.org) {
    return [{ field: 'status', docId: null, shown: 'active', signed: payload.status }];
  }
  const expected = expectedDocuments(payload, verified);
  const diffs = [];
  const byId = new Map();
  for (const d of docs) {
    if (byId.has(d.doc_id)) diffs.push({ field: 'doc_id', docId: d.doc_id, shown: d.doc_id, signed: null });
    byId.set(d.doc_id, d);
  }
  for (const d of docs) {
    if (!expected.some((e) => e.doc_id === d.doc_id)) diffs.push({ field: 'places', docId: d.doc_id, shown: d.place ?? d.city ?? null, signed: null });
  }
  for (const e of expected) {
    const d = byId.get(e.doc_id);
    if (!d) {
      if (!partial) diffs.push({ field: 'places', docId: e.doc_id, shown: null, signed: e.place });
      continue;
    }
    const fields = Object.keys(e);
    const shown = shownFields(d, fields);
    for (const f of fields) {
      // listing-wide fields are reported once (from the first document that differs)
      if (!same(shown[f], e[f]) && !diffs.some((x) => x.field === f && !PER_PLACE.has(f))) {
        diffs.push({ field: f, docId: e.doc_id, shown: shown[f] ?? null, signed: e[f] ?? null });
      }
    }
  }
  return diffs;
}
const PER_PLACE = new Set(['doc_id', 'city', 'country', 'place', '_geo']);

// ---- the verdict for one card ------------------------------------------------------------------------------------

/**
 * pins: {nodeId: {root, name}} from config.json. signed: the listing's document of the signed index (or null);
 * keysets: {nodeId: keyset document} (the signed index's keyset documents). Returns
 * {ok: true, node, nodeName, seq, iat, rootKid, payload} or {ok: false, rule, message, payload?, diffs?}.
 * `cache` (a Map) keeps verified keyset chains by their exact bytes for the page's lifetime.
 */
export async function verifyCard({ subtle, docs, listingId, signed, keysets, pins, nowSeconds, cache = null, partial = false }) {
  let payload = null;
  try {
    if (!signed || typeof signed.jws !== 'string') fail('Missing', 'No signed listing is stored for this entry.');
    const iss = claimedIssuer(signed.jws);
    const pin = iss ? pins[iss] : null;
    if (!pin) fail('PinMismatch', `The listing claims node '${iss ?? '?'}', whose root key this site does not pin.`);
    const chain = keysets?.[iss]?.keysets;
    const cacheKey = `${iss}\n${pin.root}\n${JSON.stringify(chain ?? null)}`;
    let keyset = cache?.get(cacheKey);
    if (!keyset) {
      keyset = await verifyKeysetChain(subtle, chain, pin.root, nowSeconds);
      if (keyset.iss !== iss) fail('WrongIssuer', `The keyset is for '${keyset.iss}', the listing claims '${iss}'.`);
      cache?.set(cacheKey, keyset);
    } else if (keyset.payload.exp <= nowSeconds) {
      fail('Expired', `Keyset version ${keyset.version} of '${iss}' has expired.`);
    }
    const verified = await verifyListing(subtle, signed.jws, keyset, listingId);
    payload = verified.payload;
    const diffs = compareDocuments(docs, payload, verified, { partial });
    if (diffs.length) {
      return { ok: false, rule: 'FieldMismatch', message: `Shown fields differ from the signed listing: ${[...new Set(diffs.map((d) => d.field))].join(', ')}.`, payload, diffs };
    }
    return { ok: true, node: iss, nodeName: pin.name || iss, seq: payload.seq, iat: payload.iat, rootKid: pin.root, kid: verified.kid, payload };
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    return { ok: false, rule: e.rule, message: e.message, payload: null, diffs: [] };
  }
}

/**
 * Verdicts for many listings at once (exports): docs grouped by listing_id, each compared as a subset of its places.
 * signedById: {listingId: signed document}. Returns Map listingId → verdict.
 */
export async function verifyMany({ subtle, docs, signedById, keysets, pins, nowSeconds, cache = new Map() }) {
  const groups = new Map();
  for (const d of docs) {
    if (!groups.has(d.listing_id)) groups.set(d.listing_id, []);
    groups.get(d.listing_id).push(d);
  }
  const out = new Map();
  for (const [listingId, group] of groups) {
    out.set(listingId, await verifyCard({ subtle, docs: group, listingId, signed: signedById[listingId] ?? null, keysets, pins, nowSeconds, cache, partial: true }));
  }
  return out;
}

/** Visitor-facing category of a rule (messages `verify.why.<category>`). */
export function ruleCategory(rule) {
  switch (rule) {
    case 'Missing': return 'missing';
    case 'FieldMismatch': return 'fields';
    case 'PinMismatch': case 'KeysetThreshold': case 'KeysetGap': case 'KeysetRollback': return 'root';
    case 'UnknownKey': case 'RevokedKey': case 'WrongIssuer': case 'WrongObject': return 'key';
    case 'Expired': return 'expired';
    default: return 'signature';
  }
}
