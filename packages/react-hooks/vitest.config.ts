import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { defineConfig, mergeConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared.ts'

/**
 * The suite runs twice: on React 19 (the devDependency) and on React 18. The React 18 copies come
 * from `test-react-18/` (a packed private fixture, because npm cannot install two `react-dom`s whose
 * peer `react` differs side by side); `react` and `react-dom` are aliased to them, and Testing
 * Library is inlined so that its own `react`/`react-dom` imports go through the same aliases.
 */
const fixture = createRequire(import.meta.url).resolve('@comfy-balancer/react-18-fixture/package.json')
const fromFixture = createRequire(fixture)
const react18 = dirname(fromFixture.resolve('react/package.json'))
const reactDom18 = dirname(fromFixture.resolve('react-dom/package.json'))
const testingLibraryEsm = createRequire(import.meta.url)
  .resolve('@testing-library/react')
  .replace(/dist[/\\]index\.js$/, 'dist/@testing-library/react.esm.js')

export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      environment: 'happy-dom',
      projects: [
        {
          extends: true,
          test: { name: 'react-19', env: { EXPECTED_REACT_MAJOR: '19' } },
        },
        {
          extends: true,
          resolve: {
            alias: [
              { find: /^react$/, replacement: `${react18}/index.js` },
              { find: /^react\/(.*)$/, replacement: `${react18}/$1.js` },
              { find: /^react-dom$/, replacement: `${reactDom18}/index.js` },
              { find: /^react-dom\/(.*)$/, replacement: `${reactDom18}/$1.js` },
              // Its ES build, transformed by Vite, so its `react`/`react-dom` imports take the aliases.
              { find: /^@testing-library\/react$/, replacement: testingLibraryEsm },
            ],
          },
          test: {
            name: 'react-18',
            env: { EXPECTED_REACT_MAJOR: '18' },
            server: { deps: { inline: [/@testing-library\/react/] } },
            // Types are checked once, against React 19's types, in the other project.
            typecheck: { enabled: false },
          },
        },
      ],
    },
  }),
)
