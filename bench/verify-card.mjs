#!/usr/bin/env node
// Cost of verifying one organisation card in the browser's code path (web/src/verify.js over WebCrypto), issue 13.
// Builds a node with a keyset chain of CHAIN versions (root rotations), one listing with PLACES places, its search
// documents, then times verifyCard: cold (keyset chain verified from the pinned root, as on the first card of a page)
// and warm (chain cached, as on every later card). Node's WebCrypto stands in for the browser's (same primitives; the
// e2e tests run the same module in Chromium). Target: one card < 50 ms.
// usage: node bench/verify-card.mjs [ROUNDS=200] [CHAIN=3] [PLACES=3]
import { generateKey, signKeyset, signListing, listingPayload, documentsFor } from '../web/e2e/sign.mjs';
import { verifyCard, verifyKeysetChain, verifyListing } from '../web/src/verify.js';

const [rounds = 200, chainLength = 3, placeCount = 3] = process.argv.slice(2).map(Number);
const subtle = globalThis.crypto.subtle;
const now = Math.floor(Date.now() / 1000);
const id = '6f0d3c2a-5b1e-4a8f-9c7d-2e4b6a8c0d1f';

let roots = [await generateKey()];
const pinned = roots[0].kid;
const signer = await generateKey();
const chain = [await signKeyset({ iss: 'berlin', version: 1, roots, signing: [signer] })];
for (let v = 2; v <= chainLength; v++) {
  const next = [await generateKey()];
  chain.push(await signKeyset({ iss: 'berlin', version: v, roots: next, signing: [signer], signers: [...roots, ...next] }));
  roots = next;
}
const org = {
  name: { en: 'Bench House', ru: 'Дом' }, description: { en: 'x'.repeat(2000), ru: 'ж'.repeat(2000) }, focus: ['relocation', 'legal-aid'],
  languages: ['ru', 'en'],
  locations: Array.from({ length: placeCount }, (_, i) => ({ kind: 'physical', city: `City ${i}`, country: 'DE', lat: 52 + i / 100, lon: 13, precision: 'city', address: null, service_area: null })),
  contacts: Array.from({ length: 5 }, (_, i) => ({ kind: 'email', value: `c${i}@bench.example.org`, label: null, press: i === 0 })),
  website: 'https://bench.example.org/', channels: [{ kind: 'telegram', url: 'https://t.me/bench' }],
  relationships: [{ type: 'member_of', target: '00000000-0000-4000-8000-000000000010' }],
  status: 'active', scope: 'local', last_confirmed: '2026-09-14', review_by: '2027-09-14',
};
const payload = listingPayload({ iss: 'berlin', id, seq: 3, org });
const jws = await signListing(payload, signer);
const trusted = await verifyKeysetChain(subtle, chain, pinned, now);
const { hash, kid } = await verifyListing(subtle, jws, trusted, id);
const docs = documentsFor(payload, { hash, kid, nodeName: 'Atlas Berlin' });
const input = { subtle, docs, listingId: id, signed: { jws }, keysets: { berlin: { keysets: chain } }, pins: { berlin: { root: pinned, name: 'Atlas Berlin' } }, nowSeconds: now };

async function time(label, cache) {
  const ms = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const v = await verifyCard({ ...input, cache: cache() });
    ms.push(performance.now() - t);
    if (!v.ok) throw new Error(`did not verify: ${v.rule} ${v.message}`);
  }
  ms.sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
  console.log(`${label}: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${ms.at(-1).toFixed(2)} ms (${rounds} rounds)`);
}

console.log(`card: ${placeCount} places, listing ${jws.length} B, keyset chain ${chainLength} version(s) ${chain.reduce((n, k) => n + k.length, 0)} B; load ${(await import('node:os')).loadavg()[0].toFixed(2)}`);
await time('cold (chain verified, first card of a page)', () => new Map());
const warm = new Map();
await time('warm (chain cached, every later card)', () => warm);
