import { describe, expect, it } from 'vitest'
import { FOUR, harness, useMsw, work } from './harness.js'

useMsw()

const count = (urls: string[]) =>
  Object.fromEntries(FOUR.map((url) => [url, urls.filter((u) => u === url).length]))

describe('in-flight counting between probes', () => {
  it('spreads a burst of 20 concurrent acquire() calls over four idle servers', async () => {
    const h = harness({})
    const leases = await Promise.all(Array.from({ length: 20 }, () => h.balancer.acquire()))
    expect(count(leases.map((lease) => lease.url))).toEqual({
      [FOUR[0]!]: 5,
      [FOUR[1]!]: 5,
      [FOUR[2]!]: 5,
      [FOUR[3]!]: 5,
    })
    expect(h.balancer.getSnapshot().servers.map((s) => s.inFlight)).toEqual([5, 5, 5, 5])
  })

  it('adds in-flight jobs to the probed queue when choosing', async () => {
    const h = harness({ servers: FOUR.slice(0, 2) })
    for (let i = 0; i < 3; i++) h.model(FOUR[0]!).submit({ prompt: work(60_000) })
    const urls: string[] = []
    for (let i = 0; i < 5; i++) urls.push(await h.balancer.getOptimalServer())
    // B takes three to catch up with A's queue of 3, then they alternate (ties to the primary).
    expect(urls).toEqual([FOUR[1], FOUR[1], FOUR[1], FOUR[0], FOUR[1]])
  })

  it('stops counting a job once it is released', async () => {
    const h = harness({ servers: FOUR.slice(0, 2) })
    const lease = await h.balancer.acquire()
    expect(h.balancer.getSnapshot().servers[0]?.inFlight).toBe(1)
    lease.release()
    lease.release()
    expect(h.balancer.getSnapshot().servers[0]?.inFlight).toBe(0)
    expect((await h.balancer.acquire()).url).toBe(FOUR[0])
  })

  it('stops counting a job once a probe that started after it has answered', async () => {
    const h = harness({ servers: FOUR.slice(0, 2) })
    const lease = await h.balancer.acquire()
    h.model(lease.url).submit({ prompt: work(60_000) })
    await h.clock.advance(15_000)
    await h.balancer.refresh()
    const [a] = h.balancer.getSnapshot().servers
    expect(a?.inFlight).toBe(0)
    expect(a?.queue).toMatchObject({ running: 1, pending: 0 })
    lease.release()
    expect(h.balancer.getSnapshot().servers[0]?.inFlight).toBe(0)
  })

  it('keeps counting a job acquired while a probe was already under way', async () => {
    const h = harness({ servers: FOUR.slice(0, 1), config: { probe: { cacheMs: 60_000 } } })
    await h.balancer.refresh()
    h.model(FOUR[0]!).setFault({ kind: 'slow', delayMs: 100 })
    const probing = h.balancer.refresh()
    await h.balancer.acquire()
    await h.clock.advance(100)
    await probing
    expect(h.balancer.getSnapshot().servers[0]?.inFlight).toBe(1)
  })
})
