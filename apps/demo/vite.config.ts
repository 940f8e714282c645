import { defineConfig } from 'vite'

/** The demo page: built into dist/web, served by the demo's own server on 127.0.0.1. */
export default defineConfig({
  root: 'src/web',
  base: './',
  build: { outDir: '../../dist/web', emptyOutDir: true, target: 'es2022' },
  resolve: { conditions: ['@comfy-balancer/source', 'module', 'browser', 'development|production'] },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { host: '127.0.0.1' },
})
