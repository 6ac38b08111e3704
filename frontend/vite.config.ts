/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The production app is served by the Node proxy at / with /api forwarded to Django; in development Vite does the
// same. The Host header is kept (no changeOrigin) so that Django's CSRF Origin check sees a matching host.
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
      // Node's `events` for xmlbuilder2 under vtk.js (see the shim).
      events: fileURLToPath(new URL('./src/lib/shims/events.ts', import.meta.url)),
    },
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000' },
    },
  },
  // cornerstone3D: the DICOM image loader decodes in an ES-module web worker that imports the wasm codecs by URL, so
  // the worker is built as an ES module and the loader is not pre-bundled (pre-bundling breaks its worker URL).
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
  assetsInclude: ['**/*.wasm'],
  build: {
    outDir: 'dist',
    sourcemap: false,
    // The viewer chunk (cornerstone3D with vtk.js) is loaded only on the pages with an image.
    chunkSizeWarningLimit: 4000,
    // cornerstone3D's modules import each other in cycles (tools' base classes): keep ES module execution order.
    rolldownOptions: { output: { strictExecutionOrder: true } },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
