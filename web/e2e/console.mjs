#!/usr/bin/env node
// Browser tests of the editors' console against a running local federation (deploy/local/up.sh: real nodes, the
// real indexer and Meilisearch, the map site). Real Chromium on a 390×844 screen in Russian, with Chromium's
// virtual authenticator (CDP WebAuthn) as the editor's passkey.
//
// Env: ATLAS_FED_DATA (the federation's data dir), ATLAS_WEB_URL (map site), ATLAS_NODE_PORT (Berlin's port),
//      ATLAS_API_DLL (the node executable, for the enrolment link). Flags: --screenshots (docs/screenshots/console-*.png).
// Ends with the closing line "console: N passed, N failed".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { launch } from './browser.mjs';
import { solve } from '../src/pow.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const T = 20000;
const DATA = process.env.ATLAS_FED_DATA;
const WEB = (process.env.ATLAS_WEB_URL || '').replace(/\/$/, '');
const PORT = process.env.ATLAS_NODE_PORT;
const DLL = process.env.ATLAS_API_DLL || path.join(repo, 'artifacts/bin/Atlas.Api/debug/Atlas.Api.dll');
const SCREENSHOTS = process.argv.includes('--screenshots');
if (!DATA || !WEB || !PORT) { console.error('console.mjs: set ATLAS_FED_DATA, ATLAS_WEB_URL and ATLAS_NODE_PORT'); process.exit(2); }

const NODE = `http://127.0.0.1:${PORT}`;
const ORIGIN = `http://localhost:${PORT}`;
const webConfig = JSON.parse(fs.readFileSync(path.join(DATA, 'web-config.json'), 'utf8'));
const adminToken = fs.readFileSync(path.join(DATA, 'berlin', 'admin-token'), 'utf8').trim();
const run = Date.now().toString(36);
const PRIVATE_PHONE = `+49 30 ${String(Date.now()).slice(-7)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function json(url, init = {}) {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(15000) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${init.method || 'GET'} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function until(what, fn, ms = 60000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

// Submissions need a solved proof of work, as the propose page sends it (pow.js, the site's own solver).
async function submit(organisation, extra = {}) {
  const { challenge, bits } = await json(`${NODE}/api/submissions/challenge`);
  const { nonce } = await solve(challenge, bits);
  return json(`${NODE}/api/submissions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ organisation, ...extra, proof: { challenge, nonce } }),
  });
}
const admin = (p) => json(`${NODE}${p}`, { headers: { Authorization: `Bearer ${adminToken}` } });

function org(name) {
  return {
    name: { ru: name, en: `${name} (en)` },
    description: { ru: 'Помогает уехавшим с документами.' },
    focus: ['legal-aid'],
    languages: ['ru', 'en'],
    locations: [{ kind: 'physical', city: 'Berlin', country: 'DE' }, { kind: 'physical', city: 'Tbilisi', country: 'GE' }],
    contacts: [{ kind: 'email', value: `hello-${run}@example.org`, visibility: 'public' }, { kind: 'phone', value: PRIVATE_PHONE, visibility: 'hidden' }],
  };
}

async function search(q) {
  const r = await json(`${webConfig.meilisearchUrl}/indexes/${webConfig.index}/search`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${webConfig.searchKey}` }, body: JSON.stringify({ q, limit: 50 }),
  });
  return r.hits;
}

async function axe(page, label) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: AXE_SOURCE }).catch(async () => page.evaluate(AXE_SOURCE));
  const v = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((x) => `${x.id}: ${x.nodes.map((n) => n.target.join(' ')).join(', ')}`));
  assert.deepEqual(v, [], `axe-core violations on ${label}`);
}

async function shot(page, name) {
  if (!SCREENSHOTS) return;
  const dir = path.join(repo, 'docs', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const w = page.viewportSize().width;
  await page.screenshot({ path: path.join(dir, `console-${name}-${w <= 480 ? 'phone' : 'desktop'}.png`), fullPage: true });
}

async function onMap(page, name) {
  await page.goto(`${WEB}/?lang=ru`, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.waitForSelector('body[data-ready="true"]', { timeout: T });
  await page.fill('#q', name);
  await page.press('#q', 'Enter');
  await page.waitForTimeout(600);
  await page.waitForFunction(() => !document.querySelector('#result-list[aria-busy]') && !document.body.dataset.pending, null, { timeout: T });
  return page.locator('#result-list').innerText();
}

const results = [];
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n     ${String(e && e.stack || e).split('\n').slice(0, 6).join('\n     ')}`);
  }
}

const browser = await launch();
let failedSetup = null;
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ru-RU', isMobile: true, hasTouch: true });
  const offHost = [];
  context.on('request', (r) => { const u = new URL(r.url()); if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) offHost.push(r.url()); });
  const page = await context.newPage();
  page.on('dialog', (d) => d.dismiss());
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  const link = execFileSync('dotnet', [DLL, 'enrol', '--name', `Редактор ${run}`, '--role', 'admin', '--data', path.join(DATA, 'berlin')], { encoding: 'utf8' }).trim();
  assert.ok(link.startsWith(`${ORIGIN}/console#enrol=`), link);

  const consoleReady = async (url) => {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
    await page.waitForSelector('body[data-console="ready"]', { timeout: T });
  };

  let approvedId = null;
  const name = `Юрпомощь ${run}`;

  await test('an editor enrols a passkey from the one-time link, signs out and signs in with it (ru, 390×844, axe)', async () => {
    await consoleReady(`${link.replace('#', '?lang=ru#')}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    await axe(page, 'enrolment');
    await shot(page, 'enrol');
    await page.fill('#passkey-label', 'телефон');
    await page.click('#enrol');
    await page.waitForSelector('#queue-h', { timeout: T });
    await page.click('#signout');
    await page.waitForSelector('#signin', { timeout: T });
    await axe(page, 'sign-in');
    await shot(page, 'signin');
    await page.click('#signin');
    await page.waitForSelector('#queue-h', { timeout: T });
    assert.match(await page.innerText('.console-me'), /Редактор/);
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 392, `no horizontal scrolling on a phone (scrollWidth ${scroll})`);
  });

  await test('a submission with two places and a private contact is approved; feed, search and map have it without the private contact', async () => {
    const sub = await submit(org(name), { submitter_email: `volunteer-${run}@example.org`, note: 'Мы маленькая группа.' });
    await consoleReady(`${ORIGIN}/console?lang=ru`);
    const item = page.locator(`[data-submission="${sub.id}"]`);
    await item.waitFor({ timeout: T });
    await axe(page, 'queue');
    await shot(page, 'queue');
    await item.locator('button').click();
    await page.waitForSelector('#review-h', { timeout: T });
    assert.match(await page.innerText('main'), new RegExp(PRIVATE_PHONE.replace(/[+]/g, '\\+')), 'the editor sees the private contact, marked as not published');
    assert.match(await page.innerText('main'), /не публикуется/);
    await axe(page, 'review');
    await shot(page, 'review');
    await page.click('#approve');
    await page.waitForSelector('.notice.ok', { timeout: T });
    const s = await admin(`/api/admin/submissions/${sub.id}`);
    assert.equal(s.status, 'approved');
    approvedId = s.published_id;
    const feed = await (await fetch(`${NODE}/atlas/v1/changes`)).text();
    assert.ok(feed.includes(approvedId), 'the listing is in the feed');
    const listing = await (await fetch(`${NODE}/atlas/v1/listings/${approvedId}`)).text();
    const payload = Buffer.from(listing.split('.')[1] || '', 'base64url').toString('utf8') + listing;
    assert.ok(!payload.includes(PRIVATE_PHONE) && !feed.includes(PRIVATE_PHONE), 'no private contact in the feed or the signed listing');
    const hits = await until('the listing in search', async () => { const h = await search(name); return h.some((x) => JSON.stringify(x).includes(approvedId)) && h; });
    assert.ok(!JSON.stringify(hits).includes(PRIVATE_PHONE), 'no private contact in search');
    const mapPage = await context.newPage();
    const list = await onMap(mapPage, name);
    assert.ok(list.includes(name), `the map site lists it: ${list.slice(0, 200)}`);
    assert.ok(!(await mapPage.content()).includes(PRIVATE_PHONE), 'no private contact on the map site');
    await mapPage.close();
  });

  await test('a rejection with a reason is recorded for the receipt', async () => {
    const sub = await submit(org(`Отказ ${run}`));
    await consoleReady(`${ORIGIN}/console?lang=ru`);
    await page.locator(`[data-submission="${sub.id}"] button`).click();
    await page.waitForSelector('#review-h', { timeout: T });
    await page.fill('#reject-reason', 'Это не инициатива.');
    await page.click('#reject');
    await page.waitForSelector('.notice.ok', { timeout: T });
    const s = await admin(`/api/admin/submissions/${sub.id}`);
    assert.equal(s.status, 'rejected');
    assert.equal(s.reason, 'Это не инициатива.');
    assert.match(s.decided_by, /Редактор/);
  });

  await test('a suggested correction shows a field-by-field diff and is approved', async () => {
    assert.ok(approvedId, 'needs the approved listing');
    const current = (await admin(`/api/admin/organisations/${approvedId}`)).organisation;
    const corrected = { ...current, name: { ...current.name, ru: `${name} (исправлено)` } };
    delete corrected.last_confirmed; delete corrected.review_by;
    const sub = await submit(corrected, { listing_id: approvedId });
    await consoleReady(`${ORIGIN}/console?lang=ru`);
    await page.locator(`[data-submission="${sub.id}"] button`).click();
    await page.waitForSelector('table.diff', { timeout: T });
    const rows = await page.locator('table.diff tbody tr').allInnerTexts();
    assert.ok(rows.some((r) => r.includes('name.ru') && r.includes(name) && r.includes('(исправлено)')), rows.join(' | '));
    assert.ok(!rows.some((r) => r.includes('locations')), 'unchanged fields are not listed');
    await axe(page, 'diff');
    await shot(page, 'diff');
    await page.click('#approve');
    await page.waitForSelector('.notice.ok', { timeout: T });
    await until('the correction in search', async () => (await search(`${name} (исправлено)`)).some((x) => JSON.stringify(x).includes('исправлено')));
  });

  await test('an emergency takedown from the console removes the listing from search and the map', async () => {
    await consoleReady(`${ORIGIN}/console?lang=ru`);
    await page.click('[data-view="orgs"]');
    await page.waitForSelector('#orgs-h', { timeout: T });
    await page.fill('#org-search', run);
    const item = page.locator(`[data-listing="${approvedId}"]`);
    await item.waitFor({ timeout: T });
    await axe(page, 'organisations');
    await shot(page, 'organisations');
    await item.locator('[data-action="takedown"]').click();
    await page.waitForSelector('dialog.confirm[open]', { timeout: T });
    await axe(page, 'takedown confirmation');
    await shot(page, 'takedown');
    await page.click('dialog.confirm button[value="yes"]');
    await page.waitForSelector('.notice.ok', { timeout: T });
    await until('the listing gone from search', async () => !(await search(name)).some((x) => JSON.stringify(x).includes(approvedId)), 30000);
    const mapPage = await context.newPage();
    const list = await onMap(mapPage, name);
    assert.ok(!list.includes(name), 'the map site no longer lists it');
    await mapPage.close();
  });

  await test('admins see editors, the audit log with the person’s name, and key status', async () => {
    for (const [view, heading] of [['editors', '#editors-h'], ['audit', '#audit-h'], ['keys', '#keys-h']]) {
      await page.click(`[data-view="${view}"]`);
      await page.waitForSelector(heading, { timeout: T });
      await axe(page, view);
      await shot(page, view);
    }
    await page.click('[data-view="audit"]');
    await page.waitForSelector('#audit-h', { timeout: T });
    const audit = await page.innerText('table');
    assert.match(audit, /listing\.takedown/);
    assert.match(audit, new RegExp(`Редактор ${run}`));
    assert.deepEqual(offHost, [], 'no request left 127.0.0.1/localhost');
  });

  if (SCREENSHOTS) {
    await page.setViewportSize({ width: 1360, height: 900 });
    await consoleReady(`${ORIGIN}/console?lang=ru`);
    await shot(page, 'queue');
    await page.click('[data-view="orgs"]');
    await page.waitForSelector('#orgs-h', { timeout: T });
    await shot(page, 'organisations');
    await page.click('[data-view="editors"]');
    await page.waitForSelector('#editors-h', { timeout: T });
    await shot(page, 'editors');
  }
} catch (e) {
  failedSetup = e;
  console.log(`FAIL setup: ${e && e.stack || e}`);
} finally {
  await browser.close();
}
const ok = results.filter((r) => r.ok).length;
const bad = results.length - ok + (failedSetup ? 1 : 0);
console.log(`console: ${ok} passed, ${bad} failed`);
process.exit(bad ? 1 : 0);
