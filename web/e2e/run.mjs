// Browser tests (real Chromium via playwright-core). Data assertions are generic so the same tests can run
// against a real federation (ATLAS_WEB_URL); fixture-specific checks run only in harness mode.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { launch, recordRequests } from './browser.mjs';
import { defineVerifyTests } from './verify-tests.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const T = 15000; // default bound for every wait

async function ready(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.waitForSelector('body[data-ready="true"]', { timeout: T });
  await page.waitForFunction(() => !document.querySelector('#result-list[aria-busy]'), null, { timeout: T });
}

async function listTotal(page) {
  // the status line starts with the organisation count, e.g. "12 organisations · 15 places on the map"
  const txt = await page.textContent('#status');
  const m = /^([\d\s\u00a0\u202f.,]+)/.exec(txt.trim());
  if (!m) return txt.includes('No organisations') || txt.includes('Ничего') ? 0 : NaN;
  return Number(m[1].replace(/[^\d]/g, ''));
}

async function settle(page) {
  await page.waitForTimeout(400);
  await page.waitForFunction(() => !document.querySelector('#result-list[aria-busy]') && !document.body.dataset.pending, null, { timeout: T });
}

/** Types a query and waits for its answer. */
async function searchFor(page, text) {
  await page.fill('#q', text);
  await page.press('#q', 'Enter');
  await settle(page);
}

/** Listing ids of the whole result list (every page; bounded). */
async function listedIds(page) {
  const ids = new Set();
  for (let i = 0; i < 50; i++) {
    for (const id of await page.locator('#result-list .result-open').evaluateAll((bs) => bs.map((b) => b.dataset.listing))) ids.add(id);
    const next = page.locator('#pager button').last();
    if (!(await next.count()) || await next.isDisabled()) break;
    await next.click();
    await settle(page);
  }
  return ids;
}

/** Checks one facet value (expanding the group when it is hidden behind "more"). */
async function checkFacet(page, facet, value) {
  const box = page.locator(`#facets fieldset[data-facet="${facet}"] input[data-value="${value}"]`);
  if (!(await box.count()) && await page.locator('#more-' + facet).count()) await page.click('#more-' + facet);
  await box.check();
  await settle(page);
}

/** Organisation counts shown by the facet panel: {facet: {value: count}} (every value, groups expanded). */
async function shownCounts(page) {
  for (const f of ['country', 'city', 'focus', 'languages']) {
    const more = page.locator('#more-' + f);
    if (await more.count() && await more.getAttribute('aria-expanded') === 'false') await more.click();
  }
  return page.evaluate(() => {
    const out = {};
    for (const fs of document.querySelectorAll('#facets fieldset[data-facet]')) {
      out[fs.dataset.facet] = {};
      for (const li of fs.querySelectorAll('li')) {
        const v = li.querySelector('input').dataset.value;
        out[fs.dataset.facet][v] = Number(li.querySelector('.facet-count').textContent.replace(/[^\d]/g, ''));
      }
    }
    return out;
  });
}

/** Organisation counts computed from organisation objects (what the nodes published). */
function countOrganisations(orgs) {
  const out = { total: orgs.length, country: {}, city: {}, focus: {}, languages: {} };
  const add = (f, v) => { out[f][v] = (out[f][v] || 0) + 1; };
  for (const o of orgs) {
    const physical = o.locations.filter((l) => l.kind === 'physical');
    for (const c of new Set(physical.map((l) => l.country))) add('country', c);
    for (const c of new Set(physical.map((l) => l.city))) add('city', c);
    for (const f of new Set(o.focus)) add('focus', f);
    for (const l of new Set(o.languages)) add('languages', l);
  }
  return out;
}

/** The live organisations of every node in config.json, read from each node's own change feed. */
async function organisationsFromFeeds(siteUrl) {
  const config = await (await fetch(new URL('/config.json', siteUrl))).json();
  const today = new Date().toISOString().slice(0, 10);
  const orgs = [];
  for (const node of config.nodes) {
    let after = 0;
    for (let i = 0; i < 200; i++) {
      const page = await (await fetch(`${node.url.replace(/\/+$/, '')}/atlas/v1/changes?after=${after}&limit=1000`)).json();
      for (const e of page.entries) {
        const payload = JSON.parse(Buffer.from(e.jws.split('.')[1], 'base64url').toString('utf8'));
        if (payload.org && payload.org.review_by >= today) orgs.push(payload.org);
      }
      if (page.next == null) break;
      after = page.next;
    }
  }
  return orgs;
}

async function unrestrict(page) {
  if (await page.isChecked('#opt-map-area')) { await page.uncheck('#opt-map-area'); await settle(page); }
}

/** Minimal RFC 4180 parser for checking exports. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

async function axe(page, context = null) {
  await page.evaluate(AXE_SOURCE);
  const res = await page.evaluate(async (ctx) => {
    const r = await window.axe.run(ctx || document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary) }));
  }, context);
  return res;
}

export function defineTests({ harness, meili = null }) {
  const tests = [];
  // prepare: awaited before the test's 90 s bound starts (e.g. a generated index still loading)
  const test = (name, fn, opts = {}, prepare = null) => tests.push({ name, fn, opts, prepare });

  test('loads, shows results and markers', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    const n = await listTotal(page);
    assert.ok(n >= 1, `expected results, status: ${await page.textContent('#status')}`);
    await page.waitForSelector('.leaflet-marker-icon', { timeout: T });
    assert.ok(await page.locator('#result-list > li').count() >= 1);
    if (harness) assert.equal(n, 29);
  });

  test('search narrows results; nonsense finds nothing', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    const all = await listTotal(page);
    // pick a city from the facets, search for it
    const city = (await page.locator('fieldset[data-facet=city] .facet-name').first().textContent()).trim();
    await page.fill('#q', city);
    await settle(page);
    const n = await listTotal(page);
    assert.ok(n >= 1 && n <= all, `search "${city}": ${n} of ${all}`);
    await page.fill('#q', 'zzqqxxjj');
    await settle(page);
    assert.equal(await listTotal(page), 0);
    assert.equal(await page.locator('#result-list > li').count(), 0);
    if (harness) {
      await page.fill('#q', 'Harbour');
      await settle(page);
      assert.match(await page.textContent('#result-list > li:first-child .result-name'), /Harbour House/);
    }
  });

  test('facet filter: count equals results; chip removes it', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    const all = await listTotal(page);
    const label = page.locator('fieldset[data-facet=focus] label').first();
    const expected = Number((await label.locator('.facet-count').textContent()).replace(/[^\d]/g, ''));
    await label.locator('input').check();
    await settle(page);
    assert.equal(await listTotal(page), expected, 'facet count equals number of listed organisations');
    assert.ok(expected <= all);
    assert.equal(await page.locator('#active-filters .chip-remove').count(), 1);
    await page.click('#active-filters .chip-remove');
    await settle(page);
    assert.equal(await listTotal(page), all);
    // disjunctive within a group, conjunctive across groups
    const c1 = page.locator('fieldset[data-facet=country] input').nth(0);
    await c1.check(); await settle(page);
    const one = await listTotal(page);
    if (await page.locator('fieldset[data-facet=country] input').count() > 1) {
      await page.locator('fieldset[data-facet=country] input').nth(1).check(); await settle(page);
      assert.ok(await listTotal(page) >= one, 'OR within a facet group widens');
    }
    if (harness) {
      await page.click('#active-filters .btn-link'); await settle(page);
      await page.check('#f-city-Berlin'); await settle(page);
      assert.equal(await listTotal(page), 15);
      await page.check('#f-focus-housing'); await settle(page);
      assert.equal(await listTotal(page), 4); // Harbour House, Welcome Desk, groups 2 and 8
    }
  });

  test('organisation card: open, content, close with Escape returns focus', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    const opener = page.locator('#result-list .result-open').first();
    await opener.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#card-dialog[open] #card-title', { timeout: T });
    assert.ok((await page.textContent('#card-title')).trim().length > 0);
    assert.ok(await page.locator('#card-dialog .provenance').count() === 1);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('#card-dialog[open]'), null, { timeout: T });
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('result-open')), true, 'focus returns to the list');
    if (harness) {
      await page.fill('#q', 'Harbour'); await settle(page);
      await page.click('#result-list .result-open');
      await page.waitForSelector('#card-dialog[open] .places', { timeout: T });
      assert.equal(await page.locator('#card-dialog .places li').count(), 4); // 3 cities + online
      assert.match(await page.textContent('#card-dialog'), /press@harbour\.example\.org/);
      assert.match(await page.textContent('#card-dialog .provenance'), /Atlas Berlin/);
      // "Suggest a correction" goes to the signing node's propose page for this listing
      const listing = await page.getAttribute('#card-dialog article.card', 'data-listing');
      assert.equal(await page.getAttribute('#card-dialog a.suggest-correction', 'href'), `http://127.0.0.1:5101/propose?listing=${listing}&lang=en`);
      assert.match(await page.textContent('#card-dialog .provenance'), /2 other nodes/);
      assert.equal(await page.getAttribute('#card-dialog a[href^="https://t.me/"]', 'rel'), 'noopener noreferrer nofollow');
      // a vCard downloads
      const [dl] = await Promise.all([page.waitForEvent('download', { timeout: T }), page.click('#card-dialog >> text=Download vCard')]);
      const vcf = fs.readFileSync(await dl.path(), 'utf8');
      assert.match(vcf, /^BEGIN:VCARD\r\nVERSION:3\.0\r\n/);
      assert.match(vcf, /EMAIL;TYPE=INTERNET,PREF:press@harbour\.example\.org/);
      await page.keyboard.press('Escape');
      // open alerts are visible
      await page.fill('#q', 'Feminist'); await settle(page);
      await page.click('#result-list .result-open');
      await page.waitForSelector('#card-dialog[open] .alert-box', { timeout: T });
      assert.match(await page.textContent('#card-dialog .alert-box'), /Contact details changed/);
    }
  });

  test('language switch: Russian UI with plurals, dates and fallback', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    await page.selectOption('#lang-select', 'ru');
    await page.waitForFunction(() => document.documentElement.lang === 'ru', null, { timeout: T });
    assert.equal((await page.textContent('#tab-map')).trim(), 'Карта и список');
    assert.match(await page.textContent('#status'), /организаци(я|и|й)/);
    await page.selectOption('#lang-select', 'uk');
    assert.equal((await page.textContent('#tab-map')).trim(), 'Мапа і список');
    await page.selectOption('#lang-select', 'de');
    assert.equal((await page.textContent('#tab-map')).trim(), 'Karte & Liste');
    if (harness) {
      await page.selectOption('#lang-select', 'ru');
      assert.match(await page.textContent('#status'), /^29 организаций/);
      await page.fill('#q', 'Harbour'); await settle(page);
      assert.equal((await page.textContent('#result-list .result-name')).trim(), 'Дом-гавань');
      await page.click('#result-list .result-open');
      await page.waitForSelector('#card-dialog[open] .provenance', { timeout: T });
      assert.match(await page.textContent('#card-dialog .provenance'), /14 сентября 2026/);
      await page.keyboard.press('Escape');
      // Warsaw Solidarity Kitchen has no Russian name: English fallback with lang attribute
      await page.fill('#q', 'Warsaw'); await settle(page);
      assert.equal(await page.getAttribute('#result-list .result-name', 'lang'), 'en');
    }
  });

  test('export CSV, GeoJSON and JSON of the current selection', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    const n = await listTotal(page);
    const [csvDl] = await Promise.all([page.waitForEvent('download', { timeout: T }), page.click('[data-export=csv]')]);
    const csv = fs.readFileSync(await csvDl.path(), 'utf8');
    assert.ok(csv.startsWith('\ufefflisting_id,name,'), 'CSV header');
    const table = parseCsv(csv.replace(/^\ufeff/, ''));
    const rows = table.length - 1;
    assert.ok(table.every((r) => r.length === table[0].length), 'rectangular CSV');
    const [geoDl] = await Promise.all([page.waitForEvent('download', { timeout: T }), page.click('[data-export=geojson]')]);
    const geo = JSON.parse(fs.readFileSync(await geoDl.path(), 'utf8'));
    assert.equal(geo.type, 'FeatureCollection');
    assert.ok(geo.features.length >= 1);
    for (const f of geo.features) assert.equal(f.geometry.type, 'Point');
    const [jsonDl] = await Promise.all([page.waitForEvent('download', { timeout: T }), page.click('[data-export=json]')]);
    const json = JSON.parse(fs.readFileSync(await jsonDl.path(), 'utf8'));
    assert.equal(json.length, n, 'JSON has one record per listed organisation');
    for (const r of json) assert.ok(!('_rankingScore' in r) && r.listing_id);
    // every row says whether this browser verified it (all do, on untouched data)
    const vcol = table[0].indexOf('verified');
    assert.ok(vcol > 0, 'CSV has a verified column');
    assert.deepEqual([...new Set(table.slice(1).map((r) => r[vcol]))], ['yes'], 'every CSV row verified');
    assert.ok(json.every((r) => r.verified === true && r.verification === 'ok'), 'every JSON record verified');
    assert.ok(geo.features.every((f) => f.properties.verified === true), 'every GeoJSON feature verified');
    if (harness) {
      assert.equal(rows, 29);
      assert.equal(geo.features.length, 30); // every physical place (Harbour House has 3); the online-only one has none
      assert.match(csv, /"'=HYPERLINK\(""http:\/\/evil\.example\/""/, 'formula neutralised');
    }
  });

  test('keyboard: skip link, tabs with arrows, open a result with Enter', async ({ page, url }) => {
    await ready(page, url);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link', await page.evaluate(() => document.activeElement.outerHTML.slice(0, 120)));
    await page.focus('#tab-map');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-network');
    assert.equal(await page.isHidden('#panel-map'), true);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-map');
    await unrestrict(page);
    // Tab from the search box until a result button has focus (bounded)
    await page.focus('#q');
    let found = false;
    for (let i = 0; i < 150 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement?.classList.contains('result-open'));
    }
    assert.ok(found, 'a result is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#card-dialog[open]', { timeout: T });
    await page.keyboard.press('Escape');
    // map markers are focusable buttons
    const marker = page.locator('.leaflet-marker-icon[role=button]').first();
    assert.equal(await marker.getAttribute('tabindex'), '0');
    assert.ok((await marker.getAttribute('aria-label')).length > 0);
  });

  test('map and list stay in sync: zooming to a place narrows the list', async ({ page, url }) => {
    await ready(page, url);
    await page.locator('#result-list .result-open').first().waitFor({ timeout: T });
    const before = await listTotal(page);
    // open a card that has a place, and use "Show on map"
    const buttons = page.locator('#result-list .result-open');
    const count = await buttons.count();
    let shown = false;
    for (let i = 0; i < count && !shown; i++) {
      await buttons.nth(i).click();
      await page.waitForSelector('#card-dialog[open] .card', { timeout: T });
      const showBtn = page.locator('#card-dialog .places button');
      if (await showBtn.count()) { await showBtn.first().click(); shown = true; } else await page.keyboard.press('Escape');
    }
    assert.ok(shown, 'some organisation has a place on the map');
    await page.waitForTimeout(600);
    await settle(page);
    const after = await listTotal(page);
    assert.ok(after >= 1 && after <= before, `list narrowed from ${before} to ${after}`);
    if (harness) assert.ok(after < before, 'zoomed list is smaller');
  });

  test('search in the visitor\'s language: every spelling of a city and of a focus area finds the same organisations', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    await checkFacet(page, 'city', 'Tbilisi');
    const inTbilisi = await listedIds(page);
    assert.ok(inTbilisi.size >= 1, 'some organisation is in Tbilisi');
    await page.locator('#facets input[data-value="Tbilisi"]').uncheck();
    await settle(page);
    await checkFacet(page, 'focus', 'legal-aid');
    const legalAid = await listedIds(page);
    assert.ok(legalAid.size >= 1, 'some organisation gives legal aid');
    await page.locator('#facets input[data-value="legal-aid"]').uncheck();
    await settle(page);
    const spellings = [
      [['Тбилиси', 'Тбілісі', 'Tiflis', 'Tbilisi', 'Tbilsi'], inTbilisi],
      [['юридическая помощь', 'юрист', 'правова допомога', 'Rechtshilfe', 'legal aid', 'Rechtshilfee'], legalAid],
    ];
    for (const [words, expected] of spellings) {
      for (const w of words) {
        await searchFor(page, w);
        const found = await listedIds(page);
        const missing = [...expected].filter((id) => !found.has(id));
        assert.deepEqual(missing, [], `"${w}" misses ${missing.length} of ${expected.size}`);
      }
    }
  });

  test('exact organisation counts, equal to counts computed independently from the published organisations', async ({ page, url }) => {
    await ready(page, url);
    const orgs = harness ? fixtureOrganisations((await import('./fixtures.mjs')).fixtureDocuments()) : await organisationsFromFeeds(url);
    const expected = countOrganisations(orgs);
    const shown = await shownCounts(page);
    assert.equal(Number(await page.getAttribute('#status', 'data-organisations')), expected.total, 'total organisations');
    for (const f of ['country', 'city', 'focus', 'languages']) assert.deepEqual(shown[f], expected[f], `counts per ${f}`);
  });

  test('place labels: cities with organisations and capitals, named in the UI language, at city zoom', async ({ page, url }) => {
    await ready(page, url.replace('lang=en', 'lang=ru'));
    await page.waitForSelector('.place-label-text', { timeout: T });
    // zoom to Berlin through a card's "show on map" (zoom 12) or the facet, then the label is there in Russian
    await checkFacet(page, 'city', 'Berlin');
    await page.locator('#result-list .result-open').first().click();
    await page.waitForSelector('#card-dialog[open] .places button', { timeout: T });
    await page.locator('#card-dialog .places li', { hasText: 'Берлин' }).locator('button').first().click();
    await settle(page);
    const label = page.locator('.place-label-text[data-city="Berlin"]');
    await label.waitFor({ state: 'visible', timeout: T });
    assert.equal((await label.textContent()).trim(), 'Берлин');
    const labels = await page.locator('.place-label-text').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom]));
    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
      const [a, b] = [labels[i], labels[j]];
      assert.ok(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], 'labels do not overlap');
    }
  });

  test('clusters never hide entries: same-position cluster lists every organisation', async ({ page, url }) => {
    await ready(page, url);
    await page.waitForSelector('.cluster-marker', { timeout: T });
    if (!harness) return; // fixture-specific below; the generic part is that clusters render
    await page.check('#f-city-Berlin'); await settle(page);
    // keep clicking the biggest cluster until it opens a list popup (bounded)
    for (let i = 0; i < 12; i++) {
      if (await page.locator('.leaflet-popup .popup-list').count()) break;
      const clusters = page.locator('.cluster-marker');
      if (!(await clusters.count())) break;
      await clusters.first().click();
      await page.waitForTimeout(700);
    }
    await page.waitForSelector('.leaflet-popup .popup-list', { timeout: T });
    const items = await page.locator('.leaflet-popup .popup-list li').count();
    assert.ok(items >= 13, `popup lists ${items} organisations at one place`);
  });

  test('network view and statistics with gaps', async ({ page, url }) => {
    await ready(page, url);
    await page.click('#tab-network');
    await page.waitForFunction(() => { const p = document.querySelector('#panel-network'); return p && !p.hasAttribute('aria-busy') && p.querySelector('h2'); }, null, { timeout: T });
    const nodes = await page.locator('#panel-network .node').count();
    if (harness) {
      assert.ok(nodes >= 9, `nodes ${nodes}`);
      assert.ok(await page.locator('#panel-network .node-external').count() >= 1);
      await page.locator('#panel-network .node[aria-label="Network of Open Doors"]').focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('#card-dialog[open]', { timeout: T });
      assert.match(await page.textContent('#card-title'), /Network of Open Doors/);
      await page.keyboard.press('Escape');
    }
    await page.click('#tab-stats');
    await page.waitForSelector('#panel-stats .gaps-table', { timeout: T });
    assert.ok(await page.locator('#panel-stats .stats-table').count() === 4);
    if (harness) {
      const row = page.locator('#panel-stats .gaps-table tr', { hasText: 'Riga' });
      assert.match(await row.textContent(), /Legal aid/);
      assert.doesNotMatch(await row.textContent(), /Independent media/);
    }
  });

  test('accessibility: axe-core finds zero violations (main, card, network, stats, Russian)', async ({ page, url }) => {
    await ready(page, url);
    const report = [];
    const check = async (label) => { const v = await axe(page); if (v.length) report.push({ label, v }); };
    await check('main');
    await page.click('#result-list .result-open');
    await page.waitForSelector('#card-dialog[open] .card', { timeout: T });
    await check('card');
    await page.keyboard.press('Escape');
    await page.click('#tab-network');
    await page.waitForTimeout(500);
    await check('network');
    await page.click('#tab-stats');
    await page.waitForSelector('#panel-stats table', { timeout: T });
    await check('stats');
    await page.click('#tab-map');
    await page.selectOption('#lang-select', 'ru');
    await check('ru');
    assert.deepEqual(report, [], JSON.stringify(report, null, 2));
  }, { bypassCSP: true });

  test('phone-sized screen: no horizontal overflow, results reachable', async ({ page, url }) => {
    await ready(page, url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
    assert.equal(await page.evaluate(() => document.getElementById('filters-details').open), false);
    assert.ok(await page.locator('#result-list > li').count() >= 1 || (await listTotal(page)) === 0);
    await page.click('#filters-details summary');
    assert.ok(await page.isVisible('fieldset[data-facet=focus]'));
  }, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('near me: only a rounded position is used', async ({ page, url, requests }) => {
    await ready(page, url);
    await page.click('#near-btn');
    await page.waitForFunction(() => /52\.5, 13\.4/.test(document.getElementById('near-status').textContent), null, { timeout: T });
    await settle(page);
    const bodies = requests.all.map((r) => r.url + ' ' + r.body).join('\n');
    assert.ok(bodies.includes('_geoPoint(52.5, 13.4)'), 'sorted by the rounded position');
    assert.ok(!bodies.includes('52.5234') && !bodies.includes('13.4114') && !bodies.includes('52.52') , 'precise position never sent');
    if (harness) assert.match(await page.textContent('#result-list'), /km/);
  }, { geolocation: { latitude: 52.5234, longitude: 13.4114 }, permissions: ['geolocation'] });

  test('pagination: pages through the whole list', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    const n = await listTotal(page);
    const pages = Math.ceil(n / 20);
    const seen = new Set();
    for (let p = 0; p < pages; p++) {
      for (const id of await page.locator('#result-list .result-open').evaluateAll((els) => els.map((e) => e.dataset.listing))) seen.add(id);
      if (p < pages - 1) { await page.click('#pager >> text=Next'); await settle(page); }
    }
    assert.equal(seen.size, n, 'every organisation appears exactly once across pages');
  });

  test('press filter for journalists', async ({ page, url }) => {
    await ready(page, url);
    await unrestrict(page);
    const all = await listTotal(page);
    await page.check('#opt-press'); await settle(page);
    const n = await listTotal(page);
    assert.ok(n <= all);
    if (harness) assert.equal(n, 7);
  });

  if (harness) {
    test('hostile listing text is shown as text, unsafe links are not linked', async ({ page, url, dialogs }) => {
      await ready(page, url);
      await page.fill('#q', 'Quotes'); await settle(page);
      const name = await page.textContent('#result-list .result-name');
      assert.ok(name.includes('<img src=x onerror=alert(1)>'), 'markup shown literally');
      assert.equal(await page.locator('#result-list img, #result-list b, #result-list script').count(), 0);
      await page.click('#result-list .result-open');
      await page.waitForSelector('#card-dialog[open] .card', { timeout: T });
      assert.equal(await page.locator('#card-dialog a[href^="javascript:"], #card-dialog a[href^="data:"]').count(), 0);
      assert.equal(await page.locator('#card-dialog svg, #card-dialog img').count(), 0);
      await page.waitForTimeout(300);
      assert.deepEqual(dialogs, []);
    });

    test('the map shows every place when the index holds more places than any answer may (generated index)', async ({ page, extra }) => {
      const big = extra.big;
      await ready(page, big.url + '/?lang=en');
      await page.waitForSelector('.cluster-marker', { timeout: T });
      const drawn = async () => (await page.locator('.cluster-marker [data-count]').evaluateAll((els) => els.reduce((n, e) => n + Number(e.dataset.count), 0)))
        + (await page.locator('.pin-marker').count());
      assert.ok(big.places > 10000, 'more places than the old 10,000-hit answer');
      assert.equal(Number(await page.getAttribute('#map', 'data-places')), big.places, 'places in the fitted view');
      assert.equal(await drawn(), big.places, 'cluster counts add up to every place');
      assert.equal(Number(await page.getAttribute('#status', 'data-organisations')), big.organisations);
      assert.match(await page.textContent('#status'), new RegExp(big.places.toLocaleString('en').replace(/,/g, '[,\\s\u00a0\u202f]?') + ' places'));
      const shown = await shownCounts(page);
      for (const [city, n] of Object.entries(big.cityCounts)) assert.equal(shown.city[city], n, `organisations in ${city}`);
      // zoomed in: the clusters still add up to what the view holds
      await checkFacet(page, 'city', 'Berlin');
      assert.equal(await drawn(), Number(await page.getAttribute('#map', 'data-places')));
      assert.ok(Number(await page.getAttribute('#map', 'data-places')) >= big.cityCounts.Berlin);
    }, {}, (extra) => extra.big.ready);

    test('the network view stays readable with 200 organisations: no overlapping labels, zoom, pan, search highlights neighbours', async ({ page, extra }) => {
      const net = extra.network;
      await ready(page, net.url + '/?lang=en');
      await page.click('#tab-network');
      await page.waitForSelector('#panel-network svg.network .node', { timeout: T });
      assert.equal(await page.locator('#panel-network .node').count(), net.organisations, 'every organisation is drawn');
      // visible labels never overlap one another (screen boxes of the rendered text)
      const labels = () => page.evaluate(() => {
        const boxes = [...document.querySelectorAll('#panel-network .node-label')].filter((t) => t.getAttribute('display') !== 'none')
          .map((t) => { const r = t.getBoundingClientRect(); return { id: t.dataset.listing, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom }; });
        const bad = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5) bad.push(`${a.id} × ${b.id}`);
        }
        return { shown: boxes.length, bad };
      });
      const before = await labels();
      assert.ok(before.shown >= 10, `only ${before.shown} names shown at the start`);
      assert.deepEqual(before.bad, [], 'overlapping labels at the start');
      const viewBox = () => page.getAttribute('#panel-network svg.network', 'viewBox');
      // zoom in with the buttons: names stay the same size on screen, so more of them fit in the visible part
      const vb0 = await viewBox();
      for (let i = 0; i < 3; i++) await page.click('#panel-network .network-zoom-in');
      assert.ok(Number(await page.getAttribute('#panel-network svg.network', 'data-zoom')) > 3);
      assert.notEqual(await viewBox(), vb0);
      const zoomed = await labels();
      assert.deepEqual(zoomed.bad, [], 'overlapping labels after zooming in');
      // pan by dragging the background
      const box = await page.locator('#panel-network svg.network').boundingBox();
      const vb1 = (await viewBox()).split(' ').map(Number);
      await page.mouse.move(box.x + 5, box.y + 5);
      await page.mouse.down();
      await page.mouse.move(box.x + 120, box.y + 80, { steps: 4 });
      await page.mouse.up();
      const vb2 = (await viewBox()).split(' ').map(Number);
      assert.ok(vb2[0] !== vb1[0] || vb2[1] !== vb1[1], `drag did not pan: ${vb1} → ${vb2}`);
      // search highlights one organisation and exactly its neighbours (computed from the generated documents)
      await page.click('#panel-network .network-reset');
      const target = Object.keys(net.names)[16]; // a member of an umbrella network, partner of the one before it
      await page.fill('#network-search', net.names[target]);
      await page.waitForSelector(`#panel-network svg.network[data-highlighted="${target}"]`, { timeout: T });
      const lit = await page.locator('#panel-network .node.node-highlight').evaluateAll((els) => els.map((e) => e.dataset.listing).sort());
      assert.deepEqual(lit, [target, ...net.neighbours[target]].sort());
      assert.ok(net.neighbours[target].length >= 2);
      assert.match(await page.textContent('#panel-network .network-status'), new RegExp(`${net.names[target]} and ${net.neighbours[target].length} related`));
      // the highlighted organisation and its neighbours keep their names, without overlaps
      const shownIds = await page.locator('#panel-network .node-label.label-highlight').evaluateAll((els) => els.filter((t) => t.getAttribute('display') !== 'none').map((t) => t.dataset.listing));
      assert.ok(shownIds.includes(target), 'the highlighted organisation is labelled');
      assert.deepEqual((await labels()).bad, [], 'overlapping labels while highlighting');
      assert.deepEqual(await axe(page, '#panel-network'), [], 'axe on the 200-organisation network');
      // a name that matches nothing says so and clears the highlight
      await page.fill('#network-search', 'zzzz-no-such-group');
      await page.waitForFunction(() => !document.querySelector('#panel-network svg.network[data-highlighted]'), null, { timeout: T });
      assert.match(await page.textContent('#panel-network .network-status'), /No organisation of the network matches/);
    });

    test('propose an initiative links to the nodes from config.json', async ({ page, url }) => {
      await ready(page, url);
      await page.click('#propose-btn');
      await page.waitForSelector('#propose-dialog[open] a', { timeout: T });
      const hrefs = await page.locator('#propose-dialog a').evaluateAll((as) => as.map((a) => a.href));
      assert.deepEqual(hrefs, ['http://127.0.0.1:5101/propose', 'http://127.0.0.1:5101/console', 'http://127.0.0.1:5102/propose', 'http://127.0.0.1:5102/console']);
    });

    test('security headers and config.json from serve.mjs', async ({ page, url }) => {
      const res = await page.goto(url, { timeout: 30000 });
      const h = res.headers();
      assert.match(h['content-security-policy'], /default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http:\/\/127\.0\.0\.1:\d+/);
      assert.equal(h['x-content-type-options'], 'nosniff');
      assert.equal(h['referrer-policy'], 'no-referrer');
      assert.match(h['permissions-policy'], /geolocation=\(self\)/);
      assert.equal(h['cross-origin-opener-policy'], 'same-origin');
      assert.equal(h['set-cookie'], undefined);
      const traversal = await page.request.get(new URL(url).origin + '/..%2f..%2fpackage.json');
      assert.ok([400, 404].includes(traversal.status()));
      const cookies = await page.context().cookies();
      assert.deepEqual(cookies, []);
    });
  }
  // needs Meilisearch's master key (the harness's own; tests/run.sh passes the federation's)
  if (meili) defineVerifyTests(test, { meili });
  return tests;
}

/** Organisation objects from the fixture documents (one per listing; its places become locations). */
function fixtureOrganisations(docs) {
  const by = new Map();
  for (const d of docs) {
    if (!by.has(d.listing_id)) by.set(d.listing_id, { focus: d.focus, languages: d.languages, locations: [] });
    if (d.city) by.get(d.listing_id).locations.push({ kind: 'physical', city: d.city, country: d.country });
  }
  return [...by.values()];
}

export async function runTests({ baseUrl, harness, extra = {}, meili = null, quiet = false }) {
  const url = baseUrl.replace(/\/+$/, '') + '/?lang=en';
  const tests = defineTests({ harness, meili });
  const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, 'i') : null;
  const browser = await launch();
  let passed = 0, failed = 0;
  try {
    for (const t of tests) {
      if (only && !only.test(t.name)) continue;
      const context = await browser.newContext(t.opts);
      const requests = recordRequests(context);
      const page = context.pages()[0] || await context.newPage();
      page.setDefaultTimeout(T);
      const errors = [];
      const dialogs = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
      if (t.prepare) await t.prepare(extra);
      const started = Date.now();
      try {
        await Promise.race([
          t.fn({ page, url, requests, dialogs, extra }),
          new Promise((_, rej) => setTimeout(() => rej(new Error('test timed out after 90 s')), 90000)),
        ]);
        const off = requests.offHost();
        assert.deepEqual(off.map((r) => r.url), [], 'no request may leave 127.0.0.1');
        assert.deepEqual(errors, [], 'no console errors');
        passed++;
        console.log(`  ok   ${t.name} (${Date.now() - started} ms)`);
      } catch (e) {
        failed++;
        console.log(`  FAIL ${t.name}\n       ${String(e && e.message || e).split('\n').join('\n       ')}`);
        if (process.env.E2E_SCREENSHOT_ON_FAIL) await page.screenshot({ path: `/tmp/e2e-fail-${passed + failed}.png` }).catch(() => {});
      } finally {
        await context.close().catch(() => {});
      }
    }
  } finally {
    await browser.close();
  }
  // quiet: the harness prints one closing line for every suite it ran
  if (!quiet) console.log(`e2e: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}
