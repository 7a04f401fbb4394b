// Runtime configuration: config.json deployed next to the static files (one build serves any federation).
import { safeUrl } from './links.js';

const NODE_ID = /^[a-z][a-z0-9-]{1,62}$/;
const KID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The root fingerprints the site trusts (the same pins as the indexer's `peers add URL --root KID`):
 * {nodeId: {root, name}} from the `nodes` entries that carry a `root`. Entries with a malformed id or root are ignored.
 */
export function pinsOf(nodes) {
  const pins = Object.create(null);
  for (const n of Array.isArray(nodes) ? nodes : []) {
    if (!n || typeof n !== 'object' || !NODE_ID.test(String(n.id || '')) || !KID.test(String(n.root || ''))) continue;
    pins[n.id] = { root: String(n.root), name: String(n.name || n.id) };
  }
  return pins;
}

/** A node of config.json; its page URLs default to those every node serves (descriptor: links.propose_url / console_url). */
function nodeEntry(n) {
  const url = safeUrl(String(n.url));
  const page = (v, path) => { const u = v && safeUrl(String(v)); return u && /^https?:/.test(u) ? u : url.replace(/\/+$/, '') + path; };
  return { id: String(n.id || ''), name: String(n.name || n.id || n.url), url, proposeUrl: page(n.proposeUrl, '/propose'), consoleUrl: page(n.consoleUrl, '/console') };
}

/**
 * `meilisearchUrl` as an absolute URL: behind the proxy it is the site's own `/search` (docs/deployment.md), resolved
 * against the page's address (`base`); an absolute URL is taken as it is.
 */
export function searchUrlOf(value, base = globalThis.location ? globalThis.location.href : undefined) {
  const s = String(value || '').trim();
  if (!s) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(s) || !base) return safeUrl(s);
  try { return safeUrl(new URL(s, base).href); } catch { return null; }
}

export function validateConfig(raw, base = undefined) {
  if (!raw || typeof raw !== 'object') throw new Error('config.json is not an object');
  const url = searchUrlOf(raw.meilisearchUrl, base); // undefined base: searchUrlOf's default, the page's address
  if (!url || !/^https?:/.test(url)) throw new Error('config.json: meilisearchUrl must be an http(s) URL');
  const nodes = Array.isArray(raw.nodes) ? raw.nodes
    .filter((n) => n && typeof n === 'object' && safeUrl(String(n.url || '')) && /^https?:/.test(safeUrl(String(n.url))))
    .map((n) => nodeEntry(n)) : [];
  const index = raw.index ? String(raw.index) : 'organisations';
  return {
    meilisearchUrl: url.replace(/\/+$/, ''),
    searchKey: raw.searchKey ? String(raw.searchKey) : '',
    index,
    signedIndex: raw.signedIndex ? String(raw.signedIndex) : `${index}-signed`,
    // Only behind the token proxy, whose filter keeps the two indexes disjoint (docs/web.md "The recent index").
    recentIndex: raw.recentIndex ? String(raw.recentIndex) : null,
    pins: pinsOf(raw.nodes),
    vocabularyUrl: raw.vocabularyUrl ? String(raw.vocabularyUrl) : null,
    nodes,
    tiles: raw.tiles && typeof raw.tiles === 'object' && raw.tiles.url ? raw.tiles : null,
  };
}

export async function loadConfig(url = './config.json') {
  const res = await fetch(url, { credentials: 'omit', cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  return validateConfig(await res.json());
}
