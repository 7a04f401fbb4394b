// Browser tests of issue 13: every card verifies; then, writing to Meilisearch directly with the master key (what a
// broken-into indexer could do), each tampering shows the warning and never renders the altered value as a link.
// The independent Python verifier (tests/Atlas.Api.Tests/independent/verify_card.py) must agree on every case.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeNode, signListing } from './sign.mjs';
import { strictJson, b64urlDecode } from '../src/jose.js';
import { ruleCategory } from '../src/verify.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PY = path.resolve(here, '../../tests/Atlas.Api.Tests/independent/verify_card.py');
const T = 15000;
const HONEYPOT = 'honeypot.example';

function admin(meili) {
  const call = async (method, p, body) => {
    const res = await fetch(meili.url + p, {
      method, headers: { Authorization: `Bearer ${meili.masterKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15000),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const wait = async (task) => {
    for (const deadline = Date.now() + 30000; Date.now() < deadline;) {
      const t = await call('GET', `/tasks/${task.taskUid}`);
      if (t.status === 'succeeded') return;
      if (t.status === 'failed' || t.status === 'canceled') throw new Error(`task ${t.uid} ${t.status}: ${JSON.stringify(t.error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`task ${task.taskUid} timed out`);
  };
  const signedIndex = `${meili.index}-signed`;
  const search = async (index, filter, limit = 200) => (await call('POST', `/indexes/${index}/search`, { q: '', filter, limit })).hits;
  return {
    docs: (id) => search(meili.index, `listing_id = "${id}"`),
    signed: async (id) => (await search(signedIndex, `signed_id = "${id}"`, 1))[0] ?? null,
    keyset: async (node) => (await search(signedIndex, `signed_id = "keyset-${node}"`, 1))[0] ?? null,
    allListingIds: async () => [...new Set((await call('POST', `/indexes/${meili.index}/search`, { q: '', limit: 10000, distinct: 'listing_id', attributesToRetrieve: ['listing_id'] })).hits.map((h) => h.listing_id))],
    put: async (index, docs) => wait(await call('POST', `/indexes/${index === 'signed' ? signedIndex : meili.index}/documents`, docs)),
    remove: async (ids) => wait(await call('POST', `/indexes/${signedIndex}/documents/delete-batch`, ids)),
  };
}

/** The independent verdicts: {id: {ok, rule}}. */
function python(meili, ids) {
  let out;
  try {
    out = execFileSync('python3', [PY, '--meili', meili.url, '--key', meili.masterKey, '--config', meili.configPath, '--index', meili.index, ...ids],
      { encoding: 'utf8', timeout: 60000 });
  } catch (e) {
    if (typeof e.stdout !== 'string' || !e.stdout) throw e;
    out = e.stdout;
  }
  const verdicts = {};
  for (const line of out.trim().split('\n')) {
    const [status, id, rule] = line.split(' ');
    verdicts[id] = { ok: status === 'OK', rule: status === 'OK' ? null : rule };
  }
  return verdicts;
}

const nameOf = (doc) => doc.name.en || Object.values(doc.name)[0];

async function load(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.waitForSelector('body[data-ready="true"]', { timeout: T });
  if (await page.isChecked('#opt-map-area')) await page.uncheck('#opt-map-area');
}

/** Opens the card of a listing through the search box; returns {verified, rule}. */
async function openCard(page, doc) {
  if (await page.locator('#card-dialog[open]').count()) {
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('#card-dialog[open]'), null, { timeout: T });
  }
  await page.fill('#q', nameOf(doc));
  const opener = page.locator(`#result-list .result-open[data-listing="${doc.listing_id}"]`);
  await opener.first().waitFor({ timeout: T });
  await opener.first().click();
  await page.waitForSelector('#card-dialog[open] [data-verified]', { timeout: T });
  const box = page.locator('#card-dialog [data-verified]');
  return { verified: (await box.getAttribute('data-verified')) === 'true', rule: await box.getAttribute('data-rule') };
}

/** No contact, website or channel is a link, and nothing links to the honeypot. */
async function assertNoLinks(page) {
  assert.equal(await page.locator('#card-dialog .contacts a, #card-dialog .channels a, #card-dialog .card-facts a').count(), 0, 'no contact/website/channel link');
  assert.equal(await page.locator(`#card-dialog a[href*="${HONEYPOT}"]`).count(), 0, 'the altered value is never a link');
}

export function defineVerifyTests(test, { meili }) {
  const db = admin(meili);

  test('verification: every card verifies in the browser and in the independent check', async ({ page, url }) => {
    const ids = await db.allListingIds();
    assert.ok(ids.length >= 1, 'the index has listings');
    const py = python(meili, ids);
    await load(page, url);
    for (const id of ids) {
      assert.deepEqual(py[id], { ok: true, rule: null }, `python: ${id}`);
      const [doc] = await db.docs(id);
      const v = await openCard(page, doc);
      assert.equal(v.verified, true, `card ${nameOf(doc)} (${id}) verifies; rule ${v.rule}`);
      assert.match(await page.textContent('#card-dialog .verify-ok'), /Signed by .+ · version \d+ · /);
      assert.match(await page.textContent('#card-dialog .verify-root code'), /^[A-Za-z0-9_-]{43}$/);
    }
  });

  // Each case: change Meilisearch the way a hostile indexer could, open the card, restore everything afterwards.
  const tamper = (name, apply, { expectCategory, lang = 'en', check = null } = {}) => test(`verification: ${name} shows the warning, no links`, async ({ page, url }) => {
    const ids = await db.allListingIds();
    // a listing with a website when there is one (the sample federation's have no contacts)
    let target = null;
    for (const id of ids) { const docs = await db.docs(id); if (!target || docs[0].website) target = docs; if (target[0].website) break; }
    const id = target[0].listing_id;
    const original = { docs: structuredClone(target), signed: await db.signed(id), keyset: await db.keyset(target[0].node) };
    try {
      await apply({ db, docs: structuredClone(target), signed: structuredClone(original.signed), keyset: structuredClone(original.keyset), meili });
      await load(page, url.replace(/lang=en/, `lang=${lang}`));
      const v = await openCard(page, target[0]);
      assert.equal(v.verified, false, 'the card does not verify');
      assert.equal(ruleCategory(v.rule), expectCategory, `rule ${v.rule}`);
      assert.ok(await page.isVisible('#card-dialog .verify-box'), 'warning visible');
      await assertNoLinks(page);
      const py = python(meili, [id])[id];
      assert.equal(py.ok, false, 'python refuses it too');
      assert.equal(ruleCategory(py.rule), ruleCategory(v.rule), `python says ${py.rule}, the browser ${v.rule}`);
      if (check) await check(page);
    } finally {
      await db.put('organisations', original.docs);
      if (original.signed) await db.put('signed', [original.signed]);
      if (original.keyset) await db.put('signed', [original.keyset]);
    }
  });

  tamper('a changed contact', async ({ db, docs }) => {
    for (const d of docs) { d.contacts = [{ kind: 'email', value: `tips@${HONEYPOT}`, press: true }]; d.has_contact = true; }
    await db.put('organisations', docs);
  }, {
    expectCategory: 'fields',
    check: async (page) => {
      assert.match(await page.textContent('#card-dialog .verify-diffs'), new RegExp(`tips@${HONEYPOT.replace('.', '\\.')}`));
      assert.match(await page.textContent('#card-dialog .verify-box'), /differs from what the node signed/);
    },
  });

  tamper('a changed website (Russian UI)', async ({ db, docs }) => {
    for (const d of docs) d.website = `https://${HONEYPOT}/`;
    await db.put('organisations', docs);
  }, {
    expectCategory: 'fields', lang: 'ru',
    check: async (page) => {
      assert.match(await page.textContent('#card-dialog .verify-box'), /Не проверено/);
      assert.match(await page.textContent('#card-dialog .verify-diffs'), /подписано/);
    },
  });

  tamper('flipped signature bytes', async ({ db, signed }) => {
    const [h, p, s] = signed.jws.split('.');
    const i = 20; // a middle character: the encoding stays canonical, the signature changes
    signed.jws = `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    await db.put('signed', [signed]);
  }, { expectCategory: 'signature' });

  tamper('a keyset of another node', async ({ db, keyset, docs, meili }) => {
    // the real keyset chain of another pinned node, stored under this node's id
    const pins = JSON.parse(fs.readFileSync(meili.configPath, 'utf8')).nodes.filter((n) => n.root && n.id !== docs[0].node);
    const other = await db.keyset(pins[0].id);
    assert.ok(other, `keyset of ${pins[0].id} is stored`);
    keyset.keysets = other.keysets;
    await db.put('signed', [keyset]);
  }, { expectCategory: 'root', lang: 'de', check: async (page) => assert.match(await page.textContent('#card-dialog .verify-box'), /Nicht verifiziert/) });

  tamper('a listing whose root is not pinned', async ({ db, docs, signed, keyset }) => {
    // an attacker's own keys for the same node id; the listing re-signed with a honeypot contact the documents match
    const evil = await makeNode(docs[0].node);
    const payload = strictJson(b64urlDecode(signed.jws.split('.')[1]));
    payload.org.contacts = [{ kind: 'email', value: `tips@${HONEYPOT}`, label: null, press: true }];
    signed.jws = await signListing(payload, evil.signer);
    keyset.keysets = [evil.keyset];
    for (const d of docs) d.contacts = [{ kind: 'email', value: `tips@${HONEYPOT}`, press: true }];
    await db.put('signed', [signed, keyset]);
    await db.put('organisations', docs);
  }, { expectCategory: 'root', lang: 'uk', check: async (page) => assert.match(await page.textContent('#card-dialog .verify-box'), /Не перевірено/) });

  tamper('a document with no signed bytes', async ({ db, docs }) => {
    await db.remove([docs[0].listing_id]);
  }, { expectCategory: 'missing' });
}
