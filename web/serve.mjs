#!/usr/bin/env node
// Zero-dependency static server for web/dist with the site's strict security headers.
//   node web/serve.mjs --port 8080 --root web/dist --config path/to/config.json
// Binds 127.0.0.1 only (put a TLS reverse proxy in front for public use). Prints "web: http://127.0.0.1:PORT".
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map', '.geojson', '.webmanifest']);
const gzCache = new Map(); // path -> {mtimeMs, buf}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json', '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8', '.geojson': 'application/geo+json',
};

export function parseArgs(argv) {
  const out = { port: 8080, root: null, config: null, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`); return argv[++i]; };
    if (a === '--port') out.port = Number(next());
    else if (a === '--root') out.root = next();
    else if (a === '--config') out.config = next();
    else if (a === '--help' || a === '-h') out.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error('invalid --port');
  return out;
}

function origin(u) {
  try {
    const url = new URL(u);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch { return null; }
}

/** Content-Security-Policy for a config: connect-src is limited to the site and its Meilisearch. */
export function buildCsp(config) {
  const connect = ["'self'"];
  const meili = config && origin(config.meilisearchUrl);
  if (meili) connect.push(meili);
  const img = ["'self'", 'data:'];
  const tileOrigin = config && config.tiles && config.tiles.url ? origin(String(config.tiles.url).replace(/\{[a-z]\}/g, 'a')) : null;
  if (tileOrigin) img.push(tileOrigin);
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", `img-src ${img.join(' ')}`,
    `connect-src ${connect.join(' ')}`, "manifest-src 'self'", "base-uri 'none'", "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(config) {
  return {
    'Content-Security-Policy': buildCsp(config),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': 'geolocation=(self), camera=(), microphone=(), payment=(), usb=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}

/** Resolve a URL path inside root, or null if it escapes root or is malformed. */
export function resolveInside(root, urlPath) {
  let p;
  try { p = decodeURIComponent(urlPath); } catch { return null; }
  if (p.includes('\0') || p.includes('\\')) return null;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + p));
  const rootResolved = path.resolve(root);
  if (full !== rootResolved && !full.startsWith(rootResolved + path.sep)) return null;
  return full;
}

export function createServer({ root, configPath = null }) {
  const rootDir = path.resolve(root);
  const readConfig = () => {
    const file = configPath ? path.resolve(configPath) : path.join(rootDir, 'config.json');
    try { return { text: fs.readFileSync(file, 'utf8'), json: JSON.parse(fs.readFileSync(file, 'utf8')) }; } catch { return null; }
  };
  let cfg = readConfig();
  return http.createServer((req, res) => {
    const headers = securityHeaders(cfg && cfg.json);
    const send = (status, body, extra = {}) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    let pathname;
    try { pathname = new URL(req.url, 'http://127.0.0.1').pathname; } catch { return send(400, 'bad request\n'); }
    if (pathname === '/config.json') {
      cfg = readConfig(); // re-read so that a changed config applies without restart
      if (!cfg) return send(404, 'config.json not found\n');
      const h2 = securityHeaders(cfg.json);
      res.writeHead(200, { ...h2, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' });
      return res.end(req.method === 'HEAD' ? undefined : cfg.text);
    }
    let file = resolveInside(rootDir, pathname);
    if (!file) return send(400, 'bad request\n');
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) { file = path.join(file, 'index.html'); }
      fs.stat(file, (err2, st2) => {
        if (err2 || !st2.isFile()) return send(404, 'not found\n');
        const ext = path.extname(file).toLowerCase();
        const hashed = /[-.][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(path.basename(file)) && file.includes(`${path.sep}assets${path.sep}`);
        const common = {
          ...headers,
          'Content-Type': TYPES[ext] || 'application/octet-stream',
          'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
          Vary: 'Accept-Encoding',
        };
        if (COMPRESSIBLE.has(ext) && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
          let entry = gzCache.get(file);
          if (!entry || entry.mtimeMs !== st2.mtimeMs) {
            try { entry = { mtimeMs: st2.mtimeMs, buf: zlib.gzipSync(fs.readFileSync(file), { level: 9 }) }; } catch { return send(500, 'error\n'); }
            gzCache.set(file, entry);
          }
          res.writeHead(200, { ...common, 'Content-Encoding': 'gzip', 'Content-Length': entry.buf.length });
          return res.end(req.method === 'HEAD' ? undefined : entry.buf);
        }
        res.writeHead(200, { ...common, 'Content-Length': st2.size });
        if (req.method === 'HEAD') return res.end();
        fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
      });
    });
  });
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  let args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`serve.mjs: ${e.message}`); process.exit(2); }
  if (args.help) {
    console.log('usage: node serve.mjs --port 8080 --root web/dist [--config config.json]');
    process.exit(0);
  }
  const root = args.root || path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');
  if (!fs.existsSync(path.join(root, 'index.html'))) { console.error(`serve.mjs: no index.html in ${root} (run npm run build)`); process.exit(2); }
  const server = createServer({ root, configPath: args.config });
  server.on('error', (e) => { console.error(`serve.mjs: ${e.message}`); process.exit(1); });
  server.listen(args.port, args.host, () => {
    console.log(`web: http://127.0.0.1:${server.address().port}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
