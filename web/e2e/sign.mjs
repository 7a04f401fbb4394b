// TEST ONLY: signs Atlas keysets and listings with WebCrypto (Node's globalThis.crypto.subtle), for unit tests, the
// harness's fixtures and the tampering cases of the browser tests (another node's keys, an unpinned root).
// Serialisation follows docs/protocol.md (members in the order given there).
import { b64urlEncode, ascii, sha256b64 } from '../src/jose.js';

const subtle = globalThis.crypto.subtle;

export async function generateKey() {
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await subtle.exportKey('jwk', pair.publicKey);
  const kid = await sha256b64(subtle, new Uint8Array(await subtle.exportKey('spki', pair.publicKey)));
  return { privateKey: pair.privateKey, kid, jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } };
}

const entry = (k, status) => ({ kid: k.kid, jwk: k.jwk, status });

async function signParts(typ, payloadB64, key) {
  const headerB64 = b64urlEncode(ascii(JSON.stringify({ alg: 'ES256', typ, kid: key.kid })));
  const sig = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, ascii(`${headerB64}.${payloadB64}`)));
  return { headerB64, signature: b64urlEncode(sig) };
}

/** Keyset JWS JSON (general serialization) signed by `signers` (default: every root). */
export async function signKeyset({ iss, version = 1, iat = 1764000000, exp = 4102444800, threshold = 1, roots, signing, retired = [], revoked = [], signers = roots }) {
  const payload = { iss, version, iat, exp, threshold, roots: roots.map((k) => entry(k, null)),
    signing: [...signing.map((k) => entry(k, 'current')), ...retired.map((k) => entry(k, 'retired'))], revoked };
  const payloadB64 = b64urlEncode(ascii(JSON.stringify(payload)));
  const signatures = [];
  for (const k of signers) {
    const { headerB64, signature } = await signParts('atlas-keyset', payloadB64, k);
    signatures.push({ protected: headerB64, signature });
  }
  return JSON.stringify({ payload: payloadB64, signatures });
}

/** Compact listing JWS over exactly `payloadText` (a string) or the JSON of a payload object. */
export async function signListing(payload, key) {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const payloadB64 = b64urlEncode(ascii(text));
  const { headerB64, signature } = await signParts('atlas-listing', payloadB64, key);
  return `${headerB64}.${payloadB64}.${signature}`;
}

/** A node with one root and one signing key, and its version-1 keyset. */
export async function makeNode(iss) {
  const root = await generateKey();
  const signer = await generateKey();
  const keyset = await signKeyset({ iss, roots: [root], signing: [signer] });
  return { iss, root, signer, keyset };
}

/** A listing payload (members in protocol order) for an organisation object. */
export function listingPayload({ iss, id, seq = 1, prev = null, iat = 1764500000, org }) {
  return { iss, id, seq, prev: seq === 1 ? null : prev ?? 'x'.repeat(43), iat, status: 'active', org };
}

/** The search documents the indexer builds for a listing (indexer/Search/DocumentBuilder.cs), for fixtures. */
export function documentsFor(payload, { hash, kid, nodeName, extra = {} }) {
  const o = payload.org;
  const physical = o.locations.filter((l) => l.kind === 'physical');
  const contacts = o.contacts.map((c) => ({ kind: c.kind, value: c.value, ...(c.label ? { label: c.label } : {}), press: c.press }));
  return o.locations.map((l, n) => ({
    doc_id: `${payload.id}_${n}`, listing_id: payload.id, node: payload.iss, node_name: nodeName, name: o.name,
    description: o.description, focus: o.focus, languages: o.languages, city: l.city, country: l.country,
    cities: [...new Set(physical.map((p) => p.city))], countries: [...new Set(physical.map((p) => p.country))],
    place: Object.fromEntries(Object.entries({ kind: l.kind, city: l.city, country: l.country, precision: l.precision, address: l.address, service_area: l.service_area })
      .filter(([k, v]) => v !== null || k === 'city' || k === 'country')),
    ...(l.lat !== null && l.lon !== null ? { _geo: { lat: l.lat, lng: l.lon } } : {}),
    online: o.locations.some((x) => x.kind === 'online'), contacts, has_contact: contacts.length > 0,
    has_press_contact: contacts.some((c) => c.press), website: o.website, channels: o.channels.map((c) => ({ kind: c.kind, url: c.url })),
    relationships: o.relationships.map((r) => ({ type: r.type, target: r.target })), org_status: o.status, scope: o.scope,
    last_confirmed: o.last_confirmed, review_by: o.review_by,
    provenance: { node: payload.iss, node_name: nodeName, seq: payload.seq, hash, kid, verified_at: '2026-11-30T10:00:00Z' },
    endorsed_by: [], endorsed: false, alerts: [], has_alerts: false, updated_at: payload.iat, ...extra,
  }));
}
