import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared.ts'

/**
 * `npm run bench -w @comfy-balancer/gateway`: the gateway's benchmarks (issue 17), run on demand,
 * never by `npm test`. One file at a time: each owns the machine's two cores while it measures.
 */
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ['bench/**/*.bench-run.ts'],
    typecheck: { enabled: false },
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})
