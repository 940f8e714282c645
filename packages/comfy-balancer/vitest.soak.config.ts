import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared.ts'

/** `npm run soak`: the long soak (issue 8), on demand, with `gc()` exposed for heap readings. */
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ['soak/**/*.run.ts'],
    typecheck: { enabled: false },
    testTimeout: 1_800_000,
    fileParallelism: false,
    execArgv: ['--expose-gc'],
  },
})
