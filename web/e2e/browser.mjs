// Launch Debian's Chromium through playwright-core with a fresh, empty profile and no background networking.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch() {
  const executablePath = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} not found: apt-get install -y chromium`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlas-chromium-'));
  // a persistent context is the only way to pass our own (empty) user-data-dir
  const contextOptions = (extra = {}) => ({
    executablePath, headless: true, args: CHROMIUM_FLAGS, acceptDownloads: true, timeout: 30000,
    viewport: { width: 1360, height: 900 }, locale: 'en-GB', ...extra,
  });
  const contexts = [];
  return {
    /** New isolated context (own empty profile dir each time). */
    async newContext(extra = {}) {
      const dir = fs.mkdtempSync(path.join(userDataDir, 'p-'));
      const ctx = await chromium.launchPersistentContext(dir, contextOptions(extra));
      contexts.push(ctx);
      return ctx;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Record every request of a context; `offHost` lists those that did not go to 127.0.0.1. */
export function recordRequests(context) {
  const all = [];
  context.on('request', (r) => all.push({ url: r.url(), method: r.method(), body: r.postData() || '' }));
  return {
    all,
    offHost() {
      return all.filter((r) => {
        let u;
        try { u = new URL(r.url); } catch { return true; }
        if (u.protocol === 'data:' || u.protocol === 'blob:') return false;
        return u.hostname !== '127.0.0.1';
      });
    },
  };
}
