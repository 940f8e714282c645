import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/msw/index.ts',
    'src/sim/index.ts',
    'src/sim/cli.ts',
    'src/conformance/index.ts',
  ],
  format: ['esm', 'cjs'],
  dts: true,
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['msw', 'vitest', 'ws'],
})
