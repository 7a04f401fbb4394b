import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URIs for assets except those we choose; keeps CSP simple
    modulePreload: { polyfill: false }, // the polyfill is an inline-free script but unnecessary for our targets
    sourcemap: false,
  },
  server: { host: '127.0.0.1', fs: { allow: ['..'] } },
  test: { environment: 'node', include: ['test/**/*.test.js'] },
});
