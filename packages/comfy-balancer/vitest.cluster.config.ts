import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared.ts'

/** `npm run bench:cluster`: the scheduling benchmark, run on demand (not part of `npm test`). */
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ['bench/*.bench-run.ts'],
    typecheck: { enabled: false },
    testTimeout: 900_000,
    fileParallelism: false,
  },
})
