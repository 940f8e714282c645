import { defineConfig } from 'tsup'

/** The demo's Node side: one ESM entry; workspace packages stay external and load from their builds. */
export default defineConfig({
  entry: { main: 'src/server/main.ts' },
  outDir: 'dist/server',
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
})
