import { describe, expect, it } from 'vitest'
import { DisposedError } from '../index.js'
import { FOUR, harness, useMsw } from './harness.js'

useMsw()

const probesOfA = (h: ReturnType<typeof harness>) => h.model(FOUR[0]!).requestCounts.system_stats

describe('background refresh', () => {
  it('probes at once, then every interval shifted by at most ±10 %', async () => {
    const h = harness({ config: { probe: { intervalMs: 10_000 } }, seed: 7 })
    h.balancer.start()
    await h.clock.flush()
    expect(probesOfA(h)).toBe(1)
    const gaps: number[] = []
    let last = h.clock.now()
    let seen = 1
    while (gaps.length < 30) {
      await h.clock.advance(100)
      if (probesOfA(h) > seen) {
        seen = probesOfA(h)
        gaps.push(h.clock.now() - last)
        last = h.clock.now()
      }
    }
    h.balancer.stop()
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(9_000)
    expect(Math.max(...gaps)).toBeLessThanOrEqual(11_000)
    // Jittered, not constant: two balancers started together drift apart.
    expect(new Set(gaps).size).toBeGreaterThan(5)
  })

  it('is reference-counted: probing stops after the last stop()', async () => {
    const h = harness({ config: { probe: { intervalMs: 1_000, jitter: 0 } } })
    h.balancer.start()
    h.balancer.start()
    await h.clock.flush()
    expect(h.balancer.getSnapshot().running).toBe(true)
    h.balancer.stop()
    await h.clock.advance(1_000)
    expect(probesOfA(h)).toBe(2)
    h.balancer.stop()
    expect(h.balancer.getSnapshot().running).toBe(false)
    expect(h.clock.pendingTimers()).toBe(0)
    await h.clock.advance(5_000)
    expect(probesOfA(h)).toBe(2)
    h.balancer.stop()
  })

  it('leaves no timer, listener or probe behind after dispose()', async () => {
    const h = harness({ config: { probe: { intervalMs: 1_000 } } })
    h.model(FOUR[1]!).setFault({ kind: 'hang' })
    h.model(FOUR[2]!).setFault({ kind: 'refuse' })
    let notified = 0
    h.balancer.subscribe(() => notified++)
    h.balancer.start()
    await h.clock.flush()
    h.balancer.dispose()
    await h.clock.flush()
    expect(h.clock.pendingTimers()).toBe(0)
    const before = notified
    await h.clock.advance(60_000)
    expect(notified).toBe(before)
    await expect(h.balancer.getOptimalServer()).rejects.toBeInstanceOf(DisposedError)
    expect(() => h.balancer.start()).toThrow(/disposed/)
  })
})
