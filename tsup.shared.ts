import { defineConfig, type Options } from 'tsup'

/**
 * One build for every published package: ESM + CJS with `.d.ts`/`.d.cts` (tsup's naming in a
 * `type: module` package, which the exports maps rely on), from `tsconfig.build.json`, whose empty
 * `customConditions` makes declarations import sibling packages by name instead of inlining them.
 */
export function packageBuild(entry: string[], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    tsconfig: 'tsconfig.build.json',
    clean: true,
    sourcemap: true,
    target: 'es2022',
    ...extra,
  })
}
