import { describe, expect, it } from 'vitest'
import { FOUR, harness, useMsw } from './harness.js'

useMsw()

describe('snapshots and subscriptions', () => {
  it('returns the same object until something changes', async () => {
    const h = harness({})
    const first = h.balancer.getSnapshot()
    expect(h.balancer.getSnapshot()).toBe(first)
    expect(first.servers.every((s) => s.health === 'unknown')).toBe(true)
    await h.balancer.refresh()
    const second = h.balancer.getSnapshot()
    expect(second).not.toBe(first)
    expect(second.version).toBeGreaterThan(first.version)
    expect(h.balancer.getSnapshot()).toBe(second)
    // Unchanged servers keep their identity across snapshots.
    h.balancer.recordFailure(FOUR[0]!, 'x')
    const third = h.balancer.getSnapshot()
    expect(third.servers[0]).not.toBe(second.servers[0])
    expect(third.servers[1]).toBe(second.servers[1])
  })

  it('notifies subscribers once per batch of changes, until unsubscribed', async () => {
    const h = harness({})
    await h.balancer.refresh()
    let calls = 0
    const unsubscribe = h.balancer.subscribe(() => calls++)
    for (let i = 0; i < 10; i++) h.balancer.recordFailure(FOUR[i % 4]!, `f${i}`)
    await Promise.resolve()
    expect(calls).toBe(1)
    unsubscribe()
    h.balancer.recordFailure(FOUR[0]!, 'again')
    await Promise.resolve()
    expect(calls).toBe(1)
  })

  it('keeps going when a listener or an event handler throws', async () => {
    const h = harness({})
    h.balancer.subscribe(() => {
      throw new Error('listener bug')
    })
    h.balancer.on('health-changed', () => {
      throw new Error('handler bug')
    })
    await h.balancer.refresh()
    await Promise.resolve()
    expect(h.balancer.getSnapshot().servers.every((s) => s.health === 'healthy')).toBe(true)
    expect(h.logger.text()).toMatch(/snapshot listener threw/)
    expect(h.logger.text()).toMatch(/"health-changed" event handler threw/)
  })

  it('shows per-server stats, every key on every row', async () => {
    const h = harness({ servers: FOUR.slice(0, 1) })
    await h.balancer.refresh()
    expect(h.balancer.getServerStats()).toStrictEqual([
      {
        id: 'gpu-a.test:8188',
        name: 'gpu-a.test:8188',
        url: 'http://gpu-a.test:8188',
        priority: 0,
        weight: 1,
        health: 'healthy',
        healthy: true,
        queue: 0,
        inFlight: 0,
        locked: false,
        lockedUntil: undefined,
        latencyMs: 0,
        jobMs: undefined,
        failureCount: 0,
        consecutiveFailures: 0,
        lastFailure: undefined,
        checkedAt: h.clock.now(),
        ejectedUntil: undefined,
        // Its /object_info is read after the probe answered: not yet.
        capabilities: undefined,
        heldModels: [],
      },
    ])
  })

  it('feeds observed job durations into a jobMs that rises fast (half way) and falls slowly (a tenth)', async () => {
    const h = harness({ servers: FOUR.slice(0, 1) })
    h.balancer.recordJobDuration(FOUR[0]!, 1_000)
    h.balancer.recordJobDuration(FOUR[0]!, 3_000)
    expect(h.balancer.getSnapshot().servers[0]?.jobMs).toBe(2_000)
    h.balancer.recordJobDuration(FOUR[0]!, 1_000)
    expect(h.balancer.getSnapshot().servers[0]?.jobMs).toBe(1_900)
    expect(() => h.balancer.recordJobDuration(FOUR[0]!, -1)).toThrow(/duration ≥ 0/)
  })
})

describe('bounded listener lists', () => {
  it('warns once past 1,000 listeners and refuses past 10,000', () => {
    // No recording listeners: this test counts every listener itself.
    const h = harness({ servers: FOUR.slice(0, 1), recordEvents: false })
    const stops: Array<() => void> = []
    for (let i = 0; i < 10_000; i++) stops.push(h.balancer.subscribe(() => undefined))
    expect(h.logger.lines.filter((l) => l.message.includes('snapshot listeners'))).toHaveLength(1)
    expect(() => h.balancer.subscribe(() => undefined)).toThrow(/Too many snapshot listeners \(10000\)/)
    for (const stop of stops) stop()
    expect(() => h.balancer.subscribe(() => undefined)).not.toThrow()
    for (let i = 0; i < 10_000; i++) stops.push(h.balancer.on('selected', () => undefined))
    expect(() => h.balancer.on('selected', () => undefined)).toThrow(/Too many "selected" listeners/)
  })
})
