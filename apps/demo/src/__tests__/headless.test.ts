import { describe, expect, it } from 'vitest'
import { runHeadless } from '../server/headless.js'

describe('npm run demo -- --headless', () => {
  it('runs every strategy on the embedded cluster and reports jobs per server and latency', async () => {
    let output = ''
    const sink = {
      write: (chunk: string) => {
        output += chunk
        return true
      },
    } as unknown as NodeJS.WritableStream
    const rows = await runHeadless(40, 0.5, sink)
    expect(rows.map((row) => row.strategy)).toEqual([
      'original design',
      'minQueue + inFlight',
      'leastExpectedWait',
      'late binding (default)',
    ])
    for (const row of rows) {
      expect(Object.values(row.perServer).reduce((a, b) => a + b, 0)).toBe(40)
      expect(row.mean).toBeGreaterThan(0)
    }
    expect(output).toMatch(/Dispatching 40 jobs/)
    expect(output).toMatch(
      /\| strategy \| rtx-3060-a jobs \| rtx-3060-b jobs \| rtx-4080 jobs \| h100 jobs \| mean ms \| p95 ms \|/,
    )
    // The fast GPU does the most work under late binding.
    const late = rows[3]!.perServer
    expect(late.h100).toBeGreaterThan(late['rtx-3060-a']!)
  })
})
