import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared.ts'

/** `npm run bench:instances`: balancer processes sharing a cluster, with and without Redis (not part of `npm test`). */
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ['bench/instances/**/*.bench-run.ts'],
    typecheck: { enabled: false },
    testTimeout: 900_000,
    fileParallelism: false,
  },
})
