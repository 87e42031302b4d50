import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is built into dist/console and served by the admin listener at /console/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  logLevel: 'warn',
  // `npx vite --config console/vite.config.ts` serves the console with hot reload at
  // http://localhost:5173/console/, calling the admin API of a Tessera on 127.0.0.1:4445.
  server: { proxy: { '^/(tenants|audit-events|admin-tokens)(/|$|\\?)': 'http://127.0.0.1:4445' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The strict CSP allows no inline script or style: never inline assets or the module preload polyfill.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
