import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { b64urlDecode, b64urlEncode, strictJson, VerifyError } from '../src/jose.js';
import { verifyKeysetFirst, verifyKeysetChain, verifyListing, verifyCard, compareDocuments, ruleCategory } from '../src/verify.js';
import { makeNode, generateKey, signKeyset, signListing, listingPayload, documentsFor } from '../e2e/sign.mjs';

const subtle = globalThis.crypto.subtle;
const vectors = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/test-vectors');
const read = (f) => fs.readFileSync(path.join(vectors, f), 'utf8').trim();
const V = JSON.parse(read('vectors.json'));
const VECTOR_NOW = 1763800060;
const NOW = 1764600000;

async function rule(promise) {
  try { await promise; } catch (e) { if (e instanceof VerifyError) return e.rule; throw e; }
  return 'ok';
}

const ID = '6f0d3c2a-5b1e-4a8f-9c7d-2e4b6a8c0d1f';
const org = () => ({
  name: { en: 'Harbour House', ru: 'Дом-гавань' }, description: { en: 'Relocation help.' }, focus: ['relocation'],
  languages: ['ru', 'en'],
  locations: [
    { kind: 'physical', city: 'Berlin', country: 'DE', lat: 52.52, lon: 13.4, precision: 'city', address: null, service_area: null },
    { kind: 'online', city: null, country: null, lat: null, lon: null, precision: null, address: null, service_area: ['*'] },
  ],
  contacts: [{ kind: 'email', value: 'hello@harbour.example.org', label: null, press: false }],
  website: 'https://harbour.example.org/', channels: [{ kind: 'telegram', url: 'https://t.me/harbour_example' }],
  relationships: [{ type: 'member_of', target: '00000000-0000-4000-8000-000000000010' }],
  status: 'active', scope: 'local', last_confirmed: '2026-09-14', review_by: '2027-09-14',
});

async function card(node, { payload = listingPayload({ iss: node.iss, id: ID, org: org() }), key = node.signer } = {}) {
  const jws = await signListing(payload, key);
  const { hash, kid } = (await verifyListing(subtle, jws, await verifyKeysetFirst(subtle, node.keyset, node.root.kid, NOW), null));
  return { jws, docs: documentsFor(payload, { hash, kid, nodeName: 'Atlas Berlin' }) };
}

describe('jose primitives', () => {
  it('base64url is strict and canonical', () => {
    expect(b64urlEncode(b64urlDecode('AQID'))).toBe('AQID');
    expect(b64urlEncode(new Uint8Array([255, 254]))).toBe('__4');
    for (const bad of ['AQ==', 'A', 'AQ+/', 'AR']) expect(() => b64urlDecode(bad)).toThrow(VerifyError);
  });
  it('strict JSON rejects duplicates, lone surrogates, depth and trailing bytes', () => {
    expect(strictJson('{"a":[1,{"b":"\\u00e9\\ud83d\\ude00"}]}').a[1].b).toBe('é😀');
    for (const bad of ['{"a":1,"a":2}', '{"a":{"b":1,"b":2}}', '"\\ud800"', '[1] x', '[' .repeat(17) + ']'.repeat(17), '{"a":01}']) {
      expect(() => strictJson(bad)).toThrow(VerifyError);
    }
  });
});

describe('the protocol test vectors (same bytes as the .NET tests)', () => {
  it('the keyset verifies from the pinned root and every listing with its hash', async () => {
    const keyset = await verifyKeysetFirst(subtle, read('keyset.json'), V.root_kid, VECTOR_NOW);
    for (const name of ['listing-1', 'listing-2', 'tombstone-3']) {
      const v = await verifyListing(subtle, read(`${name}.jws`), keyset, ID);
      expect(v.hash).toBe(V[name].hash);
      expect(v.payload.seq).toBe(V[name].seq);
    }
  });
  it('the negative vectors are refused with the .NET rule names', async () => {
    const keyset = await verifyKeysetFirst(subtle, read('keyset.json'), V.root_kid, VECTOR_NOW);
    expect(await rule(verifyListing(subtle, read('negative-tampered.jws'), keyset, null))).toBe('BadSignature');
    expect(await rule(verifyListing(subtle, read('negative-alg-none.jws'), keyset, null))).toBe('BadHeader');
    expect(await rule(verifyListing(subtle, read('negative-wrong-issuer.jws'), keyset, null))).toMatch(/WrongIssuer|UnknownKey/);
    expect(await rule(verifyListing(subtle, read('head.jws'), keyset, null))).toBe('WrongType');
    expect(await rule(verifyKeysetFirst(subtle, read('keyset.json'), V.signing_kid, VECTOR_NOW))).toBe('PinMismatch');
  });
});

describe('keyset chains', () => {
  it('walks a root rotation from the pinned root; refuses gaps, unsigned steps and expiry of the newest', async () => {
    const root1 = await generateKey(), root2 = await generateKey(), s = await generateKey();
    const v1 = await signKeyset({ iss: 'berlin', version: 1, roots: [root1], signing: [s] });
    const v2 = await signKeyset({ iss: 'berlin', version: 2, roots: [root2], signing: [s], signers: [root1, root2] });
    const v3 = await signKeyset({ iss: 'berlin', version: 3, roots: [root2], signing: [s] });
    expect((await verifyKeysetChain(subtle, [v1, v2, v3], root1.kid, NOW)).version).toBe(3);
    expect(await rule(verifyKeysetChain(subtle, [v2], root1.kid, NOW))).toBe('PinMismatch');
    expect(await rule(verifyKeysetChain(subtle, [v1, v3], root1.kid, NOW))).toBe('KeysetThreshold');
    const v2only = await signKeyset({ iss: 'berlin', version: 2, roots: [root2], signing: [s], signers: [root2] });
    expect(await rule(verifyKeysetChain(subtle, [v1, v2only], root1.kid, NOW))).toBe('KeysetThreshold');
    const gap = await signKeyset({ iss: 'berlin', version: 3, roots: [root1], signing: [s] });
    expect(await rule(verifyKeysetChain(subtle, [v1, gap], root1.kid, NOW))).toBe('KeysetGap');
    const expired = await signKeyset({ iss: 'berlin', version: 1, exp: NOW - 1, roots: [root1], signing: [s] });
    expect(await rule(verifyKeysetChain(subtle, [expired], root1.kid, NOW))).toBe('Expired');
    expect(await rule(verifyKeysetChain(subtle, [], root1.kid, NOW))).toBe('Missing');
  });
  it('a revoked key signs nothing', async () => {
    const root = await generateKey(), old = await generateKey(), fresh = await generateKey();
    const v1 = await signKeyset({ iss: 'berlin', version: 1, roots: [root], signing: [old] });
    const v2 = await signKeyset({ iss: 'berlin', version: 2, roots: [root], signing: [fresh], revoked: [old.kid] });
    const keyset = await verifyKeysetChain(subtle, [v1, v2], root.kid, NOW);
    const jws = await signListing(listingPayload({ iss: 'berlin', id: ID, org: org() }), old);
    expect(await rule(verifyListing(subtle, jws, keyset, ID))).toBe('RevokedKey');
  });
});

describe('verifyCard', () => {
  const pinsFor = (...nodes) => Object.fromEntries(nodes.map((n) => [n.iss, { root: n.root.kid, name: 'Atlas ' + n.iss }]));
  const keysetsFor = (...nodes) => Object.fromEntries(nodes.map((n) => [n.iss, { keysets: [n.keyset] }]));

  it('verifies an honest card and reports node, version and date', async () => {
    const berlin = await makeNode('berlin');
    const { jws, docs } = await card(berlin);
    const v = await verifyCard({ subtle, docs, listingId: ID, signed: { jws }, keysets: keysetsFor(berlin), pins: pinsFor(berlin), nowSeconds: NOW });
    expect(v).toMatchObject({ ok: true, node: 'berlin', nodeName: 'Atlas berlin', seq: 1, iat: 1764500000, rootKid: berlin.root.kid });
  });

  it('each attack of issue 13 is refused with its rule', async () => {
    const berlin = await makeNode('berlin'), tbilisi = await makeNode('tbilisi'), evil = await makeNode('berlin');
    const { jws, docs } = await card(berlin);
    const base = { subtle, listingId: ID, pins: pinsFor(berlin, tbilisi), nowSeconds: NOW };
    const check = async (over) => verifyCard({ ...base, docs, signed: { jws }, keysets: keysetsFor(berlin, tbilisi), ...over });

    const contact = structuredClone(docs);
    for (const d of contact) d.contacts[0].value = 'honeypot@evil.example';
    const r1 = await check({ docs: contact });
    expect(r1).toMatchObject({ ok: false, rule: 'FieldMismatch' });
    expect(r1.diffs.map((d) => d.field)).toEqual(['contacts']);
    expect(r1.diffs[0].signed[0].value).toBe('hello@harbour.example.org');

    const website = structuredClone(docs);
    for (const d of website) d.website = 'https://evil.example/';
    expect((await check({ docs: website })).diffs.map((d) => d.field)).toEqual(['website']);

    const flipped = jws.slice(0, -3) + (jws.at(-3) === 'A' ? 'B' : 'A') + jws.slice(-2);
    expect((await check({ signed: { jws: flipped } })).rule).toMatch(/BadSignature|Malformed/);
    expect((await check({ keysets: { berlin: { keysets: [tbilisi.keyset] } } })).rule).toMatch(/PinMismatch|WrongIssuer|UnknownKey/);
    expect((await check({ keysets: { berlin: { keysets: [evil.keyset] } } })).rule).toBe('PinMismatch');
    expect((await check({ signed: null })).rule).toBe('Missing');
    expect((await check({ keysets: {} })).rule).toBe('Missing');

    // a listing signed by another pinned node's key, shown under berlin's id
    const other = await signListing(listingPayload({ iss: 'tbilisi', id: ID, org: org() }), tbilisi.signer);
    const r = await check({ signed: { jws: other } });
    expect(r.rule).toBe('FieldMismatch');
    expect(r.diffs.map((d) => d.field)).toContain('node');
    // another listing's signed bytes
    const wrong = await signListing(listingPayload({ iss: 'berlin', id: '00000000-0000-4000-8000-000000000001', org: org() }), berlin.signer);
    expect((await check({ signed: { jws: wrong } })).rule).toBe('WrongObject');
    // a node this site does not pin
    const paris = await makeNode('paris');
    const p = await signListing(listingPayload({ iss: 'paris', id: ID, org: org() }), paris.signer);
    expect((await check({ signed: { jws: p }, keysets: keysetsFor(paris) })).rule).toBe('PinMismatch');
  });

  it('places must be exactly one document per signed location', async () => {
    const berlin = await makeNode('berlin');
    const { jws, docs } = await card(berlin);
    const extra = [...docs, { ...docs[0], doc_id: `${ID}_7`, city: 'Moscow' }];
    const diffs = compareDocuments(extra, (await verifyListing(subtle, jws, await verifyKeysetFirst(subtle, berlin.keyset, berlin.root.kid, NOW), ID)).payload,
      { hash: docs[0].provenance.hash, kid: docs[0].provenance.kid });
    expect(diffs.map((d) => d.field)).toEqual(['places']);
    const moved = structuredClone(docs);
    moved[0]._geo = { lat: 55.75, lng: 37.62 };
    const v = await verifyCard({ subtle, docs: moved, listingId: ID, signed: { jws }, keysets: { berlin: { keysets: [berlin.keyset] } }, pins: pinsFor(berlin), nowSeconds: NOW });
    expect(v.diffs.map((d) => d.field)).toEqual(['_geo']);
    expect(ruleCategory(v.rule)).toBe('fields');
  });
});
