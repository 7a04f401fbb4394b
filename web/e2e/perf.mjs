// First render on a throttled connection (CDP Network.emulateNetworkConditions), cold cache.
import { launch } from './browser.mjs';

export const PROFILE = { offline: false, latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 };

export async function measurePerf(baseUrl, runs = 3) {
  const browser = await launch();
  const results = [];
  try {
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      const page = ctx.pages()[0];
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', PROFILE);
      const t0 = Date.now();
      await page.goto(baseUrl + '/?lang=en', { waitUntil: 'domcontentloaded', timeout: 120000 });
      await page.waitForSelector('body[data-ready="true"]', { timeout: 120000 });
      await page.waitForSelector('#result-list > li', { timeout: 120000 });
      const firstResults = Date.now() - t0;
      const paint = await page.evaluate(() => {
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        return { fcp: fcp ? Math.round(fcp.startTime) : null, dcl: nav ? Math.round(nav.domContentLoadedEventEnd) : null };
      });
      await page.waitForLoadState('networkidle', { timeout: 120000 }).catch(() => {});
      const bytes = await page.evaluate(() => performance.getEntriesByType('resource').reduce((s, r) => s + (r.transferSize || 0), 0)
        + (performance.getEntriesByType('navigation')[0]?.transferSize || 0));
      results.push({ fcp: paint.fcp, domContentLoaded: paint.dcl, firstResults, transferredKiB: Math.round(bytes / 1024) });
      await ctx.close();
    }
  } finally {
    await browser.close();
  }
  const median = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
  console.log(`[perf] profile: ${PROFILE.downloadThroughput * 8 / 1000} kbit/s, RTT ${PROFILE.latency} ms, cold cache, ${results.length} runs`);
  for (const r of results) console.log('[perf] run', JSON.stringify(r));
  console.log(`[perf] median: first contentful paint ${median('fcp')} ms, DOMContentLoaded ${median('domContentLoaded')} ms, first results listed ${median('firstResults')} ms, transferred ${median('transferredKiB')} KiB`);
  return results;
}
