import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/sql/index.ts', 'src/env/index.ts', 'src/json/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // Keep `node:` on the lazy imports of the file source: bundlers then know them as Node built-ins.
  removeNodeProtocol: false,
})
