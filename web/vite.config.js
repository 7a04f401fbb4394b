import { defineConfig } from 'vite';
import { resolve } from 'node:path';
import { htmlPartials } from './scripts/html-partials.mjs';

// One toolchain, two outputs:
//   vite build              -> dist/       the static map site (index.html)
//   vite build --mode node  -> dist-node/  the node's own pages (propose, receipt, console), served by the node
//                                          itself from Node:PagesDir under /propose, /receipt, /console and
//                                          their assets under /pages/assets/ (docs/web.md, "Node pages").
const shared = {
  target: 'es2022',
  emptyOutDir: true,
  assetsInlineLimit: 0, // no data: URIs for assets except those we choose; keeps CSP simple
  modulePreload: { polyfill: false }, // the polyfill is an inline-free script but unnecessary for our targets
  sourcemap: false,
};

export const NODE_PAGES = ['propose', 'receipt', 'console'];

export default defineConfig(({ mode }) => mode === 'node'
  ? {
    root: resolve(import.meta.dirname, 'pages'),
    base: '/pages/',
    plugins: [htmlPartials()],
    publicDir: false,
    build: {
      ...shared,
      outDir: resolve(import.meta.dirname, 'dist-node'),
      rollupOptions: { input: Object.fromEntries(NODE_PAGES.map((p) => [p, resolve(import.meta.dirname, 'pages', `${p}.html`)])) },
    },
  }
  : {
    base: './',
    plugins: [htmlPartials()],
    build: { ...shared, outDir: 'dist' },
    server: { host: '127.0.0.1', fs: { allow: ['..'] } },
    test: { environment: 'node', include: ['test/**/*.test.js'] },
  });
