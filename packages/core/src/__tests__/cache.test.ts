import { describe, expect, it } from 'vitest'
import { FOUR, harness, useMsw } from './harness.js'

useMsw()

const probes = (h: ReturnType<typeof harness>) => FOUR.map((url) => h.model(url).requestCounts.system_stats)

describe('load cache and single flight', () => {
  it('probes once and then serves choices from the cache for 15 s', async () => {
    const h = harness({})
    await h.balancer.getOptimalServer()
    expect(probes(h)).toEqual([1, 1, 1, 1])
    await h.clock.advance(14_999)
    await h.balancer.getOptimalServer()
    expect(probes(h)).toEqual([1, 1, 1, 1])
    await h.clock.advance(1)
    await h.balancer.getOptimalServer()
    expect(probes(h)).toEqual([2, 2, 2, 2])
  })

  it('honours a configured cache time', async () => {
    const h = harness({ config: { probe: { cacheMs: 2_000 } } })
    await h.balancer.getOptimalServer()
    await h.clock.advance(2_000)
    await h.balancer.getOptimalServer()
    expect(probes(h)).toEqual([2, 2, 2, 2])
  })

  it('shares one refresh among concurrent callers', async () => {
    const h = harness({})
    const results = await Promise.all([
      h.balancer.refresh(),
      h.balancer.refresh(),
      ...Array.from({ length: 20 }, () => h.balancer.getOptimalServer()),
    ])
    expect(probes(h)).toEqual([1, 1, 1, 1])
    expect(results[0]).toBe(results[1])
  })

  it('starts a new refresh once the previous one has finished', async () => {
    const h = harness({})
    await h.balancer.refresh()
    await h.balancer.refresh()
    expect(probes(h)).toEqual([2, 2, 2, 2])
  })

  it('does not hold choices up for a slow refresh longer than its timeout', async () => {
    const h = harness({})
    h.model(FOUR[0]!).setFault({ kind: 'hang' })
    const chosen = h.balancer.getOptimalServer()
    await h.clock.advance(10_000)
    expect(await chosen).toBe(FOUR[1])
  })

  it('does not hold a choice up for the probe of a server already out (a hung one takes its whole timeout)', async () => {
    const h = harness({})
    await h.balancer.refresh()
    h.model(FOUR[0]!).setFault({ kind: 'hang' })
    h.balancer.recordFailure(FOUR[0]!, 'it hung')
    await h.clock.advance(15_000) // the cache is stale now
    let settled = false
    const chosen = h.balancer.getOptimalServer().finally(() => {
      settled = true
    })
    await h.clock.advance(0)
    // The other three answered at once; the hung server's probe (10 s) did not hold the choice up.
    expect(settled).toBe(true)
    expect(await chosen).toBe(FOUR[1])
    // The public refresh() still waits for every answer.
    let refreshed = false
    const refresh = h.balancer.refresh().finally(() => {
      refreshed = true
    })
    await h.clock.advance(0)
    expect(refreshed).toBe(false)
    await h.clock.advance(10_000)
    await refresh
    expect(refreshed).toBe(true)
  })
})
