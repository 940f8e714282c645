import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { defineConfig, mergeConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared.ts'

/**
 * The suite runs twice: on Vue 3.5 (the devDependency) and on Vue 3.3, the oldest the peer range
 * allows. The Vue 3.3 copies come from `test-vue-3.3/` (a packed private fixture, so npm nests them
 * beside the 3.5 ones); `vue` and the `@vue/*` packages Test Utils imports are aliased to them, and
 * Test Utils' ES build is inlined so that its own imports take the same aliases.
 */
const require = createRequire(import.meta.url)
const fromFixture = createRequire(require.resolve('@comfy-balancer/vue-3.3-fixture/package.json'))
const vue33 = dirname(fromFixture.resolve('vue/package.json'))
const fromVue33 = createRequire(`${vue33}/package.json`)
const testUtilsEsm = require
  .resolve('@vue/test-utils/package.json')
  .replace(/package\.json$/, 'dist/vue-test-utils.esm-bundler.mjs')

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      environment: 'happy-dom',
      projects: [
        { extends: true, test: { name: 'vue-3.5', env: { EXPECTED_VUE_MINOR: '3.5' } } },
        {
          extends: true,
          resolve: {
            alias: [
              { find: /^vue$/, replacement: `${vue33}/index.js` },
              { find: /^vue\/server-renderer$/, replacement: `${vue33}/server-renderer/index.js` },
              { find: /^@vue\/compiler-dom$/, replacement: fromVue33.resolve('@vue/compiler-dom') },
              { find: /^@vue\/server-renderer$/, replacement: fromVue33.resolve('@vue/server-renderer') },
              { find: /^@vue\/test-utils$/, replacement: testUtilsEsm },
            ],
          },
          test: {
            name: 'vue-3.3',
            env: { EXPECTED_VUE_MINOR: '3.3' },
            server: { deps: { inline: [/@vue\/test-utils/] } },
            // Types are checked once, against Vue 3.5's types, in the other project.
            typecheck: { enabled: false },
          },
        },
      ],
    },
  }),
)
