import { describe, expect, it } from 'vitest'
import { UnknownServerError } from '../index.js'
import { FOUR, harness, useMsw } from './harness.js'
import { type Strategy, sticky } from './strategies-for-tests.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]

/** A user strategy that keeps the locked server while the lock is fresh (the seed's 30 s lock). */
const lockingFirst = (ttlMs: number): Strategy =>
  sticky({ name: 'first', select: (candidates) => candidates[0] }, ttlMs)

describe('failure, failover and recovery', () => {
  it('marks a reported server unhealthy, unlocks it and fails over', async () => {
    const h = harness({ servers: [A, B], strategy: lockingFirst(30_000) })
    const events: string[] = []
    h.balancer.on('health-changed', (e) => events.push(`health ${e.server.id} ${e.previous}->${e.health}`))
    h.balancer.on('failover', (e) => events.push(`failover ${e.from.id}->${e.to.id}: ${e.reason}`))
    expect(await h.balancer.getOptimalServer()).toBe(A)
    expect(h.balancer.getSnapshot().lock).toEqual({
      serverId: 'gpu-a.test:8188',
      until: h.clock.now() + 30_000,
    })
    expect(h.balancer.getServerStats()[0]).toMatchObject({ locked: true })

    h.balancer.recordFailure(A, new Error('ECONNRESET while posting'))
    const stats = h.balancer.getServerStats()[0]
    expect(stats).toMatchObject({ healthy: false, locked: false, failureCount: 1, consecutiveFailures: 1 })
    expect(stats?.lastFailure?.reason).toBe('ECONNRESET while posting')
    expect(h.balancer.getSnapshot().lock).toBeUndefined()

    expect(await h.balancer.getOptimalServer()).toBe(B)
    expect(events).toEqual([
      'health gpu-a.test:8188 unknown->healthy',
      'health gpu-b.test:8188 unknown->healthy',
      'health gpu-a.test:8188 healthy->unhealthy',
      'failover gpu-a.test:8188->gpu-b.test:8188: ECONNRESET while posting',
    ])
  })

  it('re-probes an unhealthy server with doubling backoff capped at recoveryMaxMs, and re-admits it', async () => {
    const h = harness({
      servers: [A, B],
      config: { probe: { jitter: 0, intervalMs: 8_000, cacheMs: 60_000, recoveryMaxMs: 8_000 } },
    })
    h.balancer.start()
    await h.clock.flush()
    h.model(A).setFault({ kind: 'refuse' })
    h.balancer.recordFailure(A, 'job failed')
    const probeTimes: number[] = []
    const t0 = h.clock.now()
    let last = h.model(A).requestCounts.system_stats
    for (let ms = 0; ms < 20_000; ms += 100) {
      await h.clock.advance(100)
      const now = h.model(A).requestCounts.system_stats
      if (now > last) probeTimes.push(h.clock.now() - t0)
      last = now
    }
    // 1 s, then 2 s, 4 s, 8 s (capped at recoveryMaxMs), 8 s … plus the regular 8 s refreshes.
    expect(probeTimes.slice(0, 4)).toEqual([1_000, 3_000, 7_000, 8_000])
    h.model(A).setFault(undefined)
    await h.clock.advance(8_000)
    expect(h.balancer.getSnapshot().servers[0]?.health).toBe('healthy')
    h.balancer.stop()
  })

  it('re-admits a recovered server on the next choice even without background probing', async () => {
    const h = harness({ servers: [A, B], config: { probe: { jitter: 0 } } })
    await h.balancer.refresh()
    h.balancer.recordFailure(A, 'timeout')
    expect(await h.balancer.getOptimalServer()).toBe(B)
    await h.clock.advance(1_000)
    // The due re-probe runs beside this choice, not in front of it.
    expect(await h.balancer.getOptimalServer()).toBe(B)
    await h.clock.flush()
    // One answer is not enough to trust a server that failed (healthyAfter: 2): a second look soon.
    expect(h.balancer.getSnapshot().servers[0]?.health).toBe('unhealthy')
    await h.clock.advance(1_000)
    expect(await h.balancer.getOptimalServer()).toBe(B)
    await h.clock.flush()
    expect(h.balancer.getSnapshot().servers[0]?.health).toBe('healthy')
    expect(await h.balancer.getOptimalServer()).toBe(A)
  })

  it('needs unhealthyAfter missed probes to drop a healthy server, and looks again soon after the first', async () => {
    const h = harness({ servers: [A, B], config: { probe: { jitter: 0, cacheMs: 60_000 } } })
    await h.balancer.refresh()
    h.balancer.start()
    await h.clock.flush()
    h.model(A).setFault({ kind: 'http500', endpoints: ['system_stats'] })
    await h.balancer.probe(A)
    const suspect = h.balancer.getSnapshot().servers[0]
    expect(suspect).toMatchObject({ health: 'healthy', consecutiveFailures: 1 })
    expect(suspect?.failures).toHaveLength(1)
    // The second look comes after recoveryBaseMs (1 s), not at the next 15 s refresh.
    await h.clock.advance(1_000)
    expect(h.balancer.getSnapshot().servers[0]).toMatchObject({ health: 'unhealthy', consecutiveFailures: 2 })
    h.balancer.stop()
  })

  it('re-probes a hung server on the backoff counted from when each re-probe was due, not from its timeout', async () => {
    const h = harness({
      servers: [A, B],
      config: { probe: { jitter: 0, cacheMs: 600_000, intervalMs: 60_000, recoveryMaxMs: 60_000 } },
    })
    await h.balancer.refresh()
    h.balancer.start()
    h.model(A).setFault({ kind: 'hang', endpoints: ['system_stats'] })
    h.balancer.recordFailure(A, 'it hung')
    const starts: number[] = []
    let seen = h.model(A).requestCounts.system_stats
    for (let t = 0; t < 55_000; t += 250) {
      await h.clock.advance(250)
      const now = h.model(A).requestCounts.system_stats
      if (now > seen) starts.push(h.clock.now())
      seen = now
    }
    const gaps = starts.slice(1).map((at, i) => at - starts[i]!)
    // Each probe hangs for its whole 10 s timeout; the backoff (1, 2, 4, 8, 16 s …) runs from when it
    // was due, so a timeout stretches only a gap shorter than itself (plus the 1 s base after it).
    // Counted from the timeout instead, they would be 14, 18 and 26 s.
    expect(gaps.slice(1, 4)).toEqual([11_000, 11_000, 16_000])
    h.balancer.stop()
  })

  it('keeps a bounded failure history', async () => {
    const h = harness({ servers: [A, B], config: { failureHistory: 3 } })
    await h.balancer.refresh()
    for (let i = 1; i <= 5; i++) h.balancer.recordFailure('gpu-a.test:8188', `failure ${i}`)
    const a = h.balancer.getSnapshot().servers[0]
    expect(a?.failures.map((f) => f.reason)).toEqual(['failure 3', 'failure 4', 'failure 5'])
    expect(a?.consecutiveFailures).toBe(5)
  })

  it('names the servers it knows when asked about an unknown one', async () => {
    const h = harness({ servers: [A, B] })
    expect(() => h.balancer.recordFailure('http://nope.test', 'x')).toThrow(UnknownServerError)
    expect(() => h.balancer.recordFailure('http://nope.test', 'x')).toThrow(
      /gpu-a.test:8188, gpu-b.test:8188/,
    )
  })
})
