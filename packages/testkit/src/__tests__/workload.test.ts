import { describe, expect, it } from 'vitest'
import { burstWorkload, poissonWorkload, summarize } from '../index'

describe('benchmark workloads', () => {
  it('draws Poisson arrivals and lognormal sizes reproducibly, with the asked-for means', () => {
    const items = poissonWorkload(20_000, 0.02, 300, 7)
    expect(poissonWorkload(20_000, 0.02, 300, 7)).toEqual(items)
    const meanGap = items[items.length - 1]!.arrivalMs / items.length
    expect(meanGap).toBeGreaterThan(48)
    expect(meanGap).toBeLessThan(52)
    const meanWork = items.reduce((sum, item) => sum + item.workMs, 0) / items.length
    expect(meanWork).toBeGreaterThan(290)
    expect(meanWork).toBeLessThan(310)
  })

  it('puts a burst at time 0 and summarises latencies', () => {
    expect(burstWorkload(5, 300, 1).every((item) => item.arrivalMs === 0)).toBe(true)
    expect(summarize([1, 2, 3, 4, 100], [10, 20])).toEqual({ mean: 22, p95: 100, makespan: 20 })
    expect(summarize([])).toEqual({ mean: 0, p95: 0, makespan: 0 })
  })
})
