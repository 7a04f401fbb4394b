// Real node processes for browser tests of the node's own pages (propose, receipt, console), and the helpers
// other e2e suites reuse (the console suite: approve → feed → search → map). Every node listens on 127.0.0.1 on a
// free port, with a temp data directory, and is stopped by stopNodes().
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = process.env.ATLAS_REPO_ROOT || path.resolve(here, '../..');
const started = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** artifacts/bin/Atlas.Api/<debug|release>/Atlas.Api.dll (CONFIGURATION picks one; else whichever exists, debug first). */
export function apiDll() {
  const configs = process.env.CONFIGURATION ? [process.env.CONFIGURATION.toLowerCase()] : ['debug', 'release'];
  for (const c of configs) {
    const p = path.join(REPO_ROOT, 'artifacts/bin/Atlas.Api', c, 'Atlas.Api.dll');
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`Atlas.Api.dll is not built (dotnet build api/Atlas.Api.csproj) under ${REPO_ROOT}/artifacts/bin/Atlas.Api`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function cli(args, env = {}) {
  return execFileSync('dotnet', [apiDll(), ...args], { env: { ...process.env, DOTNET_NOLOGO: '1', ...env }, encoding: 'utf8', timeout: 120000 });
}

/**
 * init + serve a node with the pages of web/dist-node. Returns { id, baseUrl, dataDir, adminToken, editorToken, cli, stop }.
 * `env` adds settings (e.g. { ProofOfWork__Bits: '0' }); the proof of work and rate limit keep their defaults otherwise.
 */
export async function startNode({ id = 'berlin', name = 'Atlas Berlin', env = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `atlas-e2e-node-${id}-`));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  cli(['init', '--data', dataDir, '--node-id', id, '--name', name, '--base-url', baseUrl, '--region', 'test']);
  const adminToken = cli(['token', 'create', '--role', 'admin', '--name', 'e2e-admin', '--data', dataDir]).trim();
  const editorToken = cli(['token', 'create', '--role', 'editor', '--name', 'e2e-editor', '--data', dataDir]).trim();
  const child = spawn('dotnet', [apiDll(), 'serve', '--data', dataDir, '--urls', baseUrl], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOTNET_NOLOGO: '1', Node__PagesDir: path.join(REPO_ROOT, 'web/dist-node'), ...env },
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const node = {
    id, baseUrl, dataDir, adminToken, editorToken, child,
    get log() { return log; },
    cli: (...args) => cli([...args, '--data', dataDir]),
    async stop() {
      if (child.exitCode === null && !child.signalCode) {
        child.kill('SIGTERM');
        const exited = await Promise.race([new Promise((r) => child.once('exit', () => r(true))), sleep(10000).then(() => false)]);
        if (!exited) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  started.push(node);
  const deadline = Date.now() + 60000;
  for (;;) {
    try { if ((await fetch(baseUrl + '/health/live', { signal: AbortSignal.timeout(2000) })).ok) break; } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`node ${id} exited: ${log.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`node ${id} did not start: ${log.slice(-2000)}`);
    await sleep(250);
  }
  return node;
}

export async function stopNodes() {
  for (const n of started.splice(0).reverse()) await n.stop().catch(() => {});
}

/** The node's admin API with the editor token (for setting up and checking; the console suite drives the UI). */
export async function admin(node, method, p, body, token = node.editorToken) {
  const r = await fetch(node.baseUrl + p, {
    method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(30000),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Every public answer of a node, concatenated: for "this never leaves the node" checks. */
export async function everythingPublic(node, extraPaths = []) {
  const paths = ['/.well-known/atlas-node', '/atlas/v1/changes', '/atlas/v1/head', '/api/organisations', ...extraPaths];
  const parts = [];
  for (const p of paths) parts.push(await (await fetch(node.baseUrl + p)).text());
  const changes = JSON.parse(parts[1]);
  for (const e of changes.entries || []) {
    parts.push(Buffer.from(e.jws.split('.')[1], 'base64url').toString('utf8'));
    parts.push(await (await fetch(`${node.baseUrl}/atlas/v1/listings/${e.id}`)).text());
  }
  return parts.join('\n');
}

/**
 * Fills and sends the propose form as a person would (labels, keyboard), on a page already at /propose.
 * org: { name, description, focus: [labels], languages: [labels], cities: [typed names], contacts: [{kind, value, visibility, press}] }
 * Labels are those shown in the page's language. Resolves when the receipt page shows a status.
 */
export async function fillProposal(page, org, t) {
  await page.locator('#f-texts-0-name').fill(org.name);
  if (org.description) await page.locator('#f-texts-0-description').fill(org.description);
  for (const f of org.focus) await page.locator('#f-focus').getByLabel(f, { exact: true }).check();
  for (const l of org.languages) await page.locator('#f-languages').getByLabel(l, { exact: true }).check();
  for (let i = 0; i < org.cities.length; i++) {
    if (i > 0) await page.getByRole('button', { name: '+ ' + t.addPlace }).click();
    const city = page.locator(`#f-locations-${i}-city`);
    await city.fill(org.cities[i].typed);
    await page.locator(`#sugg-${i} button`, { hasText: org.cities[i].pick }).first().click();
  }
  for (let i = 0; i < (org.contacts || []).length; i++) {
    const c = org.contacts[i];
    await page.getByRole('button', { name: '+ ' + t.addContact }).click();
    await page.locator(`#f-contacts-${i}-kind`).selectOption(c.kind);
    await page.locator(`#f-contacts-${i}-value`).fill(c.value);
    await page.locator(`#f-contacts-${i}-visibility`).selectOption(c.visibility);
    if (c.press) await page.locator(`#f-contacts-${i}-press`).check();
  }
}
