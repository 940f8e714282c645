import { describe, expect, it, vi } from 'vitest'
import { createScaledClock } from '../scaled-clock'

describe('createScaledClock', () => {
  it('reports simulated time that runs 1 / timeScale times as fast as the wall clock', async () => {
    // Fake wall time (timers and performance.now), so the scale is checked exactly.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    try {
      const clock = createScaledClock(0.01, { start: 1_000 })
      expect(clock.timeScale).toBe(0.01)
      expect(clock.now()).toBe(1_000)
      let woke = false
      void clock.sleep(500).then(() => {
        woke = true
      })
      await vi.advanceTimersByTimeAsync(4)
      expect(woke).toBe(false)
      expect(clock.now()).toBe(1_400)
      await vi.advanceTimersByTimeAsync(1)
      expect(woke).toBe(true)
      expect(clock.now()).toBe(1_500)
    } finally {
      vi.useRealTimers()
    }
  })

  it('never fires a timer before its simulated due time', async () => {
    const clock = createScaledClock(0.001)
    const results = await Promise.all(
      [10, 250, 1_000, 3_333].map(
        (ms) =>
          new Promise<number>((resolve) => {
            const due = clock.now() + ms
            clock.setTimeout(() => resolve(clock.now() - due), ms)
          }),
      ),
    )
    for (const late of results) expect(late).toBeGreaterThanOrEqual(0)
  })

  it('clears timers', async () => {
    const clock = createScaledClock(0.01)
    let fired = false
    const handle = clock.setTimeout(() => {
      fired = true
    }, 100)
    clock.clearTimeout(handle)
    clock.clearTimeout(undefined)
    await clock.sleep(300)
    expect(fired).toBe(false)
  })

  it('rejects a time scale that is not a positive number', () => {
    expect(() => createScaledClock(0)).toThrow(RangeError)
    expect(() => createScaledClock(Number.NaN)).toThrow(RangeError)
  })
})
