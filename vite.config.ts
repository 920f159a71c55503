import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard (src/web) built into dist/web: index.html + hashed assets, served by
 * `pivote server` on its HTTP port. Everything is bundled (no CDN, no web fonts) so the
 * dashboard works on a venue network without Internet. vitest reads vitest.config.ts, not this.
 *
 * `npm run dev:web` serves the sources with hot reload and forwards /api to a running server
 * (PIVOTE_DEV_API, default http://127.0.0.1:8080).
 */
const webRoot = fileURLToPath(new URL('./src/web', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web', import.meta.url));
const devApi = process.env.PIVOTE_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 200,
  },
  server: { proxy: { '/api': { target: devApi, changeOrigin: false } } },
});
