import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { format } from 'node:util'
import { drainRecordedLines, findSecrets, recordLine, TEST_SECRETS } from '@comfy-balancer/testkit'
import { afterAll, expect } from 'vitest'

/**
 * The suite-wide credential scan (issue 8), a setup file of every package's vitest run. It records
 * every console line of a test file, next to the lines tests record through testkit's
 * `recordingLogger` and `recordEvents` (balancers configured with testkit's `TEST_CREDENTIALS`), and
 * fails the file in `afterAll` if any of testkit's `TEST_SECRETS` appears. Each file appends
 * `{file, lines, bySource, hits}` to `node_modules/.cache/credential-scan.jsonl` of its package, so a
 * run can report how many lines it scanned.
 */
const HOOKED = Symbol.for('comfy-balancer.credential-scan.console')
const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
const target = console as unknown as Record<string | symbol, unknown>
if (target[HOOKED] !== true) {
  target[HOOKED] = true
  for (const method of methods) {
    const original = console[method]
    console[method] = (...args: unknown[]) => {
      try {
        recordLine(`console.${method}`, format(...args))
      } catch {
        // Never let the scan break a test's own output.
      }
      original.apply(console, args)
    }
  }
}

// Lines from an earlier file in the same worker belong to that file's scan, which has run.
drainRecordedLines()

afterAll(() => {
  const lines = drainRecordedLines()
  const hits = findSecrets(lines, TEST_SECRETS)
  const file = expect.getState().testPath ?? 'unknown'
  const bySource: Record<string, number> = {}
  for (const line of lines) {
    const kind = line.source.split(':')[0]!
    bySource[kind] = (bySource[kind] ?? 0) + 1
  }
  try {
    const dir = join(process.cwd(), 'node_modules', '.cache')
    mkdirSync(dir, { recursive: true })
    appendFileSync(
      join(dir, 'credential-scan.jsonl'),
      `${JSON.stringify({ file, lines: lines.length, bySource, hits: hits.length, at: new Date().toISOString() })}\n`,
    )
  } catch {
    // A read-only checkout: the report is a convenience, the assertion below is what counts.
  }
  if (hits.length > 0) {
    const shown = hits
      .slice(0, 10)
      .map((hit) => `  ${hit.source}: …${hit.excerpt}…`)
      .join('\n')
    throw new Error(
      `Credential scan: ${hits.length} secret(s) found in ${lines.length} recorded log/event/console lines:\n${shown}`,
    )
  }
})
