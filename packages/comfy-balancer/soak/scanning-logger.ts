import type { LogFields, Logger } from '@comfy-balancer/core'
import { describeForScan, findSecrets, TEST_SECRETS } from '@comfy-balancer/testkit'

/** What a {@link scanningLogger} counted and found. */
export interface ScanState {
  lines: number
  hits: string[]
}

/**
 * A debug-level logger that scans every line for test credentials as it is written and keeps
 * nothing (so 10,000 jobs' worth of lines do not show up as heap growth).
 */
export function scanningLogger(): Logger & ScanState {
  const state: ScanState = { lines: 0, hits: [] }
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      const text = `${level} ${message}${fields === undefined ? '' : ` ${describeForScan(fields)}`}`
      scan(state, 'logger', text)
    }
  return Object.assign(state, {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: () => true,
  })
}

/** Counts one line or event and keeps (the first 20) test credentials found in it. */
export function scan(state: ScanState, source: string, text: string): void {
  state.lines += 1
  for (const hit of findSecrets([{ source, text }], TEST_SECRETS)) {
    if (state.hits.length < 20) state.hits.push(`${hit.source}: ${hit.excerpt}`)
  }
}
