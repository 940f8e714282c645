import { fileURLToPath } from 'node:url'
import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

/**
 * Shared test settings. The `@comfy-balancer/source` condition makes workspace packages resolve to
 * their TypeScript sources, so tests never wait for a build.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@comfy-balancer/source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['@comfy-balancer/source', ...defaultServerConditions] } },
  test: {
    include: ['src/**/__tests__/**/*.test.ts', 'src/**/__tests__/**/*.test.tsx'],
    typecheck: { enabled: true, include: ['src/**/__tests__/**/*.test-d.ts'] },
    restoreMocks: true,
    // Fails a test file whose console, recorded logs or recorded events contain a test credential.
    setupFiles: [fileURLToPath(new URL('./vitest.credential-scan.ts', import.meta.url))],
    testTimeout: 20_000,
  },
})
