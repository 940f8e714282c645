#!/usr/bin/env node
import { startCli } from './cli-run.js'

startCli(process.argv.slice(2), process.env).then(
  (gateway) => {
    if (gateway === undefined) return
    const stop = (signal: string) => {
      gateway.stop(signal).catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error))
        process.exitCode = 1
      })
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  },
)
