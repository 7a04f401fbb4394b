// Runtime configuration: config.json deployed next to the static files (one build serves any federation).
import { safeUrl } from './links.js';

/** A node of config.json; its page URLs default to those every node serves (descriptor: links.propose_url / console_url). */
function nodeEntry(n) {
  const url = safeUrl(String(n.url));
  const page = (v, path) => { const u = v && safeUrl(String(v)); return u && /^https?:/.test(u) ? u : url.replace(/\/+$/, '') + path; };
  return { id: String(n.id || ''), name: String(n.name || n.id || n.url), url, proposeUrl: page(n.proposeUrl, '/propose'), consoleUrl: page(n.consoleUrl, '/console') };
}

export function validateConfig(raw) {
  if (!raw || typeof raw !== 'object') throw new Error('config.json is not an object');
  const url = safeUrl(String(raw.meilisearchUrl || ''));
  if (!url || !/^https?:/.test(url)) throw new Error('config.json: meilisearchUrl must be an http(s) URL');
  const nodes = Array.isArray(raw.nodes) ? raw.nodes
    .filter((n) => n && typeof n === 'object' && safeUrl(String(n.url || '')) && /^https?:/.test(safeUrl(String(n.url))))
    .map((n) => nodeEntry(n)) : [];
  return {
    meilisearchUrl: url.replace(/\/+$/, ''),
    searchKey: raw.searchKey ? String(raw.searchKey) : '',
    index: raw.index ? String(raw.index) : 'organisations',
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
