// Browser tests of the node's own pages against real node processes (node-pages.mjs): a new user proposes an
// initiative on a 390×844 phone in Russian, the draft survives a reload and a failed request, the node's field
// errors appear in Russian next to their fields, the receipt follows the decision and can withdraw, and the
// private contact never leaves the node. Also run by `npm run e2e` (harness mode) after the map-site tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { launch, recordRequests } from './browser.mjs';
import { startNode, stopNodes, admin, everythingPublic, fillProposal, REPO_ROOT } from './node-pages.mjs';
import { PROPOSE_MESSAGES } from '../src/propose-messages.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const T = 20000;
const RU = PROPOSE_MESSAGES.ru;
const PHONE = { viewport: { width: 390, height: 844 }, locale: 'ru-RU', isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const RU_LABELS = {
  name: RU['p.name'], description: RU['p.description'], focus: RU['p.focus'], languages: RU['p.languages'],
  addPlace: RU['p.location.add'], addContact: RU['p.contact.add'],
};

export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

async function openPropose(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.waitForSelector('body[data-form-ready="true"]', { timeout: T });
}

const hidden = '+995 32 2555001';
export const TBILISI_GROUP = {
  name: 'Тбилисская группа взаимопомощи',
  description: 'Помогаем уехавшим с документами и жильём.',
  focus: ['Юридическая помощь', 'Жильё'],
  languages: ['русский', 'английский'],
  cities: [{ typed: 'Тбил', pick: 'Тбилиси' }, { typed: 'Ерев', pick: 'Ереван' }],
  contacts: [
    { kind: 'email', value: 'hello@tbilisi-mutual-aid.example', visibility: 'public', press: true },
    { kind: 'phone', value: hidden, visibility: 'hidden' },
  ],
};

export function defineNodeTests() {
  const tests = [];
  const test = (name, fn, opts = {}) => tests.push({ name, fn, opts });

  test('phone, Russian: a new user proposes an initiative with two places, a public and a private contact; draft survives reload and a failed request; field errors in Russian; receipt pending → approved; the private contact stays on the node', async ({ page, node, allowConsole }) => {
    await openPropose(page, node.baseUrl + '/propose');
    assert.equal(await page.getAttribute('html', 'lang'), 'ru', 'language chosen from the browser');
    assert.equal((await page.textContent('h1')).trim(), RU['propose.title']);
    await fillProposal(page, TBILISI_GROUP, RU_LABELS);
    await page.locator('#f-website').fill('tbilisi-mutual-aid.example'); // not a URL: the node says so
    assert.deepEqual(await axe(page), [], 'axe on the filled form');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal overflow on a phone (scrollWidth ${width})`);

    // reload: everything typed is still there (sessionStorage draft)
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('body[data-form-ready="true"]', { timeout: T });
    assert.equal(await page.locator('#f-texts-0-name').inputValue(), TBILISI_GROUP.name);
    assert.equal(await page.locator('#f-contacts-1-value').inputValue(), hidden);
    assert.match(await page.textContent('#h-city-1'), /Ереван/);
    assert.ok(await page.isVisible('text=' + RU['p.restored']));

    // a failed request: the node is unreachable for the submission; nothing is lost
    allowConsole(/Failed to load resource|ERR_FAILED/);
    await page.route('**/api/submissions', (route) => route.abort('connectionrefused'));
    await page.getByRole('button', { name: RU['p.send'] }).click();
    await page.waitForSelector('#banner .notice.error', { timeout: 60000 });
    assert.match(await page.textContent('#banner'), /Узел не ответил/);
    assert.equal(await page.locator('#f-texts-0-name').inputValue(), TBILISI_GROUP.name);
    await page.unroute('**/api/submissions');

    // the node's validation error, in Russian, next to the website field; focus moves to it
    await page.getByRole('button', { name: RU['p.send'] }).click();
    await page.waitForSelector('#e-website', { timeout: 60000 });
    assert.equal((await page.textContent('#e-website')).trim(), RU['err.website']);
    assert.equal(await page.getAttribute('#f-website', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-website');
    assert.deepEqual(await axe(page), [], 'axe with field errors shown');
    assert.equal(await page.locator('#f-contacts-0-value').inputValue(), TBILISI_GROUP.contacts[0].value);

    await page.locator('#f-website').fill('https://tbilisi-mutual-aid.example');
    await page.getByRole('button', { name: RU['p.send'] }).click();
    await page.waitForSelector('body[data-receipt-ready="true"]', { timeout: 60000 });
    assert.equal(await page.getAttribute('#receipt-status', 'data-status'), 'pending');
    assert.equal((await page.textContent('#receipt-status')).trim(), RU['r.status.pending']);
    assert.deepEqual(await axe(page), [], 'axe on the receipt');
    const receiptUrl = page.url();
    assert.match(receiptUrl, /\/receipt\?lang=ru(&new=1)?#[A-Za-z0-9_-]{43}$/);
    // the draft is gone once sent
    assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('atlas.propose')).length), 0);

    // what the editors got: both places, both contacts (the private one stays with them)
    const pending = await admin(node, 'GET', '/api/admin/submissions?status=pending');
    const sub = pending.find((s) => s.organisation.name.ru === TBILISI_GROUP.name);
    assert.ok(sub, 'the submission is in the queue');
    assert.deepEqual(sub.organisation.locations.map((l) => `${l.city},${l.country},${l.precision}`), ['Tbilisi,GE,city', 'Yerevan,AM,city']);
    assert.deepEqual(sub.organisation.contacts.map((c) => c.visibility), ['public', 'hidden']);
    assert.equal(sub.organisation.contacts[0].press, true);
    assert.equal(sub.organisation.website, 'https://tbilisi-mutual-aid.example');

    await admin(node, 'POST', `/api/admin/submissions/${sub.id}/approve`);
    await page.getByRole('button', { name: RU['r.refresh'] }).click();
    await page.waitForSelector('#receipt-status[data-status="approved"]', { timeout: T });
    const pub = await everythingPublic(node, [`/api/receipts/${receiptUrl.split('#')[1]}`]);
    assert.ok(pub.includes('hello@tbilisi-mutual-aid.example'), 'the public contact is published');
    assert.ok(!pub.includes(hidden) && !pub.includes('2555001'), 'the private contact never leaves the node');
  }, { context: PHONE });

  test('receipt: withdraw a pending submission; a rejection shows the editors\' reason; a wrong token shows nothing', async ({ page, node }) => {
    await openPropose(page, node.baseUrl + '/propose?lang=ru');
    await fillProposal(page, { ...TBILISI_GROUP, name: 'Группа для отзыва', contacts: [] }, RU_LABELS);
    await page.getByRole('button', { name: RU['p.send'] }).click();
    await page.waitForSelector('body[data-receipt-ready="true"]', { timeout: 60000 });
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: RU['r.withdraw'] }).click();
    await page.waitForSelector('#receipt-status[data-status="withdrawn"]', { timeout: T });
    assert.equal(await page.locator('#withdraw').count(), 0);

    await openPropose(page, node.baseUrl + '/propose?lang=ru');
    await fillProposal(page, { ...TBILISI_GROUP, name: 'Группа для отказа', contacts: [] }, RU_LABELS);
    await page.getByRole('button', { name: RU['p.send'] }).click();
    await page.waitForSelector('body[data-receipt-ready="true"]', { timeout: 60000 });
    const pending = await admin(node, 'GET', '/api/admin/submissions?status=pending');
    const sub = pending.find((s) => s.organisation.name.ru === 'Группа для отказа');
    await admin(node, 'POST', `/api/admin/submissions/${sub.id}/reject`, { reason: 'Дубликат существующей записи.' });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#receipt-status[data-status="rejected"]', { timeout: T });
    assert.equal((await page.textContent('#receipt-reason')).trim(), 'Дубликат существующей записи.');

    const url = page.url();
    const wrong = url.replace(/#(.)/, (m, c) => '#' + (c === 'A' ? 'B' : 'A'));
    await page.goto(wrong, { waitUntil: 'domcontentloaded' });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('body[data-receipt-ready="true"]', { timeout: T });
    assert.equal((await page.textContent('[role=alert]')).trim(), RU['r.unknown']);
    assert.equal(await page.locator('#receipt-status').count(), 0);
  }, { allowConsole: /404/ });

  test('suggest a correction: the form starts from the published version of the listing', async ({ page, node }) => {
    const sub = await admin(node, 'POST', '/api/admin/organisations', {
      name: { en: 'Published Desk', ru: 'Опубликованная служба' }, focus: ['legal-aid'], languages: ['ru'],
      locations: [{ kind: 'physical', city: 'Berlin', country: 'DE' }], contacts: [{ kind: 'email', value: 'desk@example.org', visibility: 'public' }],
    });
    await openPropose(page, `${node.baseUrl}/propose?lang=en&listing=${sub.id}`);
    assert.equal((await page.textContent('h1')).trim(), PROPOSE_MESSAGES.en['p.edit.title']);
    const names = await page.locator('input[id$="-name"]').evaluateAll((els) => els.map((e) => e.value));
    assert.deepEqual(names.sort(), ['Published Desk', 'Опубликованная служба']);
    assert.equal(await page.locator('#f-contacts-0-value').inputValue(), 'desk@example.org');
    assert.match(await page.textContent('#h-city-0'), /Berlin/);
    await page.locator('#f-texts-0-name').fill('Published Desk (renamed)');
    await page.getByRole('button', { name: PROPOSE_MESSAGES.en['p.send'] }).click();
    await page.waitForSelector('body[data-receipt-ready="true"]', { timeout: 60000 });
    const pending = await admin(node, 'GET', '/api/admin/submissions?status=pending');
    assert.ok(pending.some((s) => s.listing_id === sub.id), 'an edit of the listing is queued');
    assert.deepEqual(await axe(page), []);
  }, { context: { locale: 'en-GB' } });

  return tests;
}

export async function runNodeTests({ only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, 'i') : null } = {}) {
  const tests = defineNodeTests().filter((t) => !only || only.test(t.name));
  let passed = 0, failed = 0;
  if (tests.length === 0) return { passed, failed };
  if (!fs.existsSync(path.join(REPO_ROOT, 'web/dist-node/propose.html'))) throw new Error('web/dist-node is missing: vite build --mode node');
  const browser = await launch();
  try {
    const node = await startNode({ env: { RateLimiting__Submissions__PermitLimit: '100' } });
    for (const t of tests) {
      const context = await browser.newContext(t.opts.context || { locale: 'ru-RU' });
      const requests = recordRequests(context);
      const page = context.pages()[0] || await context.newPage();
      page.setDefaultTimeout(T);
      const errors = [];
      const allowed = [t.opts.allowConsole].filter(Boolean);
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      const t0 = Date.now();
      try {
        await Promise.race([
          t.fn({ page, node, requests, allowConsole: (re) => allowed.push(re) }),
          new Promise((_, rej) => setTimeout(() => rej(new Error('test timed out after 180 s')), 180000)),
        ]);
        assert.deepEqual(requests.offHost().map((r) => r.url), [], 'no request may leave 127.0.0.1');
        assert.deepEqual(errors.filter((e) => !allowed.some((re) => re.test(e))), [], 'no console errors');
        passed++;
        console.log(`  ok   node pages: ${t.name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`  FAIL node pages: ${t.name}\n       ${String(e && e.message || e).split('\n').join('\n       ')}`);
        if (process.env.E2E_SCREENSHOT_ON_FAIL) await page.screenshot({ path: `/tmp/e2e-node-fail-${failed}.png`, fullPage: true }).catch(() => {});
      } finally {
        await context.close().catch(() => {});
      }
    }
  } finally {
    await browser.close();
    await stopNodes();
  }
  return { passed, failed };
}

/** docs/screenshots of the propose and receipt pages, phone (Russian) and desktop (English). */
export async function takeNodeScreenshots(outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await launch();
  try {
    const node = await startNode({ env: { RateLimiting__Submissions__PermitLimit: '100' } });
    const shots = [
      ['propose-phone.png', PHONE, '/propose', 'ru'],
      ['propose-desktop.png', { viewport: { width: 1280, height: 900 }, locale: 'en-GB' }, '/propose', 'en'],
    ];
    for (const [file, ctxOpts, p, lang] of shots) {
      const ctx = await browser.newContext(ctxOpts);
      const page = ctx.pages()[0] || await ctx.newPage();
      await openPropose(page, `${node.baseUrl}${p}?lang=${lang}`);
      await fillProposal(page, lang === 'ru' ? TBILISI_GROUP : {
        ...TBILISI_GROUP, name: 'Tbilisi mutual aid group', description: 'We help people who left with papers and housing.',
        focus: ['Legal aid', 'Housing'], languages: ['Russian', 'English'], cities: [{ typed: 'Tbil', pick: 'Tbilisi' }, { typed: 'Yere', pick: 'Yerevan' }],
      }, lang === 'ru' ? RU_LABELS : { addPlace: PROPOSE_MESSAGES.en['p.location.add'], addContact: PROPOSE_MESSAGES.en['p.contact.add'] });
      await page.locator('#f-website').fill('tbilisi-mutual-aid.example');
      await page.locator('#f-locations-1-precision-exact').check();
      await page.locator('#f-locations-1-address').fill('Abovyan St 1');
      await page.getByRole('button', { name: PROPOSE_MESSAGES[lang]['p.send'] }).click();
      await page.waitForSelector('#e-website', { timeout: 60000 });
      await page.screenshot({ path: path.join(outDir, file), fullPage: true });
      console.log('[screenshots]', file);
      await page.locator('#f-website').fill('https://tbilisi-mutual-aid.example');
      await page.locator('#f-locations-1-precision-city').check();
      await page.getByRole('button', { name: PROPOSE_MESSAGES[lang]['p.send'] }).click();
      await page.waitForSelector('body[data-receipt-ready="true"]', { timeout: 60000 });
      const receiptFile = file.replace('propose', 'receipt');
      await page.screenshot({ path: path.join(outDir, receiptFile), fullPage: true });
      console.log('[screenshots]', receiptFile);
      await ctx.close();
    }
  } finally {
    await browser.close();
    await stopNodes();
  }
}

// node e2e/node-run.mjs [--screenshots]: only these tests (or screenshots) (after `vite build --mode node` and a dotnet build of the node)
import { fileURLToPath } from 'node:url';
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--screenshots')) {
  await takeNodeScreenshots(path.join(REPO_ROOT, 'docs/screenshots'));
  process.exit(0);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { failed, passed } = await runNodeTests();
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
