// Screenshots of the main screens for docs/screenshots (run through the harness: npm run screenshots).
import fs from 'node:fs';
import path from 'node:path';
import { launch, recordRequests } from './browser.mjs';

async function ready(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30000 });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  await page.waitForFunction(() => !document.querySelector('#result-list[aria-busy]'), null, { timeout: 15000 });
  await page.waitForTimeout(700); // basemap
}

export async function takeScreenshots(baseUrl, outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await launch();
  const off = [];
  try {
    const shot = async (page, name) => { await page.screenshot({ path: path.join(outDir, name) }); console.log('[screenshots]', name); };
    {
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      const rec = recordRequests(ctx);
      const page = ctx.pages()[0];
      await ready(page, baseUrl + '/?lang=en');
      await shot(page, 'map-list.png');
      await page.fill('#q', 'Harbour');
      await page.waitForTimeout(800);
      await page.click('#result-list .result-open');
      await page.waitForSelector('#card-dialog[open] .card');
      await page.waitForTimeout(300);
      await shot(page, 'card.png');
      await page.keyboard.press('Escape');
      await page.fill('#q', '');
      await page.waitForTimeout(800);
      await page.click('#tab-network');
      await page.waitForSelector('#panel-network svg');
      await page.waitForTimeout(300);
      await shot(page, 'network.png');
      await page.click('#tab-stats');
      await page.waitForSelector('#panel-stats .gaps-table');
      await shot(page, 'statistics.png');
      off.push(...rec.offHost());
    }
    {
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'ru-RU' });
      const rec = recordRequests(ctx);
      const page = ctx.pages()[0];
      await ready(page, baseUrl + '/');
      await page.click('#f-city-Berlin').catch(() => {});
      await page.waitForTimeout(900);
      await shot(page, 'russian-ui.png');
      off.push(...rec.offHost());
    }
    {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'uk-UA' });
      const rec = recordRequests(ctx);
      const page = ctx.pages()[0];
      await ready(page, baseUrl + '/');
      await shot(page, 'phone.png');
      await page.click('#result-list .result-open');
      await page.waitForSelector('#card-dialog[open] .card');
      await shot(page, 'phone-card.png');
      off.push(...rec.offHost());
    }
  } finally {
    await browser.close();
  }
  if (off.length) throw new Error('requests left 127.0.0.1: ' + off.map((r) => r.url).join(', '));
}
