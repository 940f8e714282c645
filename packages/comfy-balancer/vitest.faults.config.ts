import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared.ts'

/** `npm run bench:faults`: the fault scenarios of issue 15 against a fault-aware oracle (not part of `npm test`). */
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ['bench/faults/**/*.bench-run.ts'],
    typecheck: { enabled: false },
    testTimeout: 900_000,
    fileParallelism: false,
  },
})
