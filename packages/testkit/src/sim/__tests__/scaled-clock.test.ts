import { describe, expect, it } from 'vitest'
import { createScaledClock } from '../scaled-clock'

describe('createScaledClock', () => {
  it('reports simulated time that runs 1 / timeScale times as fast as the wall clock', async () => {
    const clock = createScaledClock(0.01, { start: 1_000 })
    expect(clock.timeScale).toBe(0.01)
    const before = clock.now()
    expect(before).toBeGreaterThanOrEqual(1_000)
    const wallStart = performance.now()
    await clock.sleep(500) // about 5 ms of wall time
    const wall = performance.now() - wallStart
    expect(clock.now() - before).toBeGreaterThanOrEqual(500)
    expect(wall).toBeLessThan(400)
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
