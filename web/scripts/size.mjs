#!/usr/bin/env node
// Bundle size of web/dist: raw and gzip (level 9) per file and totals for JS+CSS (what the browser executes/parses).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
if (!fs.existsSync(dist)) { console.error('no dist/: run npm run build'); process.exit(2); }
const files = [];
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p); else files.push(p);
  }
})(dist);
const kib = (n) => (n / 1024).toFixed(1) + ' KiB';
const totals = { js: [0, 0], css: [0, 0], other: [0, 0] };
for (const f of files.sort()) {
  const buf = fs.readFileSync(f);
  const gz = zlib.gzipSync(buf, { level: 9 }).length;
  const ext = path.extname(f);
  const kind = ext === '.js' ? 'js' : ext === '.css' ? 'css' : 'other';
  totals[kind][0] += buf.length; totals[kind][1] += gz;
  console.log(`${path.relative(dist, f).padEnd(44)} ${kib(buf.length).padStart(10)}  gzip ${kib(gz).padStart(9)}`);
}
console.log(`JS total   ${kib(totals.js[0])}  gzip ${kib(totals.js[1])}`);
console.log(`CSS total  ${kib(totals.css[0])}  gzip ${kib(totals.css[1])}`);
console.log(`JS+CSS     ${kib(totals.js[0] + totals.css[0])}  gzip ${kib(totals.js[1] + totals.css[1])}`);
console.log(`other (html, basemap, images) gzip ${kib(totals.other[1])}`);
