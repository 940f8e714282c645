#!/usr/bin/env node
// `comfy-sim`: a thin wrapper over `main` in cli-main.ts, which the tests call directly.
import { CliUsageError, main, USAGE } from './cli-main'

main(process.argv.slice(2)).then(
  (cluster) => {
    if (cluster === undefined) return
    const stop = (): void => {
      void cluster.close().then(() => process.exit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  },
  (error: unknown) => {
    if (error instanceof CliUsageError) {
      console.error(`comfy-sim: ${error.message}\n\n${USAGE}`)
      process.exitCode = 2
    } else {
      console.error('comfy-sim:', error instanceof Error ? error.message : error)
      process.exitCode = 1
    }
  },
)
