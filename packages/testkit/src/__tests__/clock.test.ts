import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTestClock, DEFAULT_CLOCK_START } from '../clock'

describe('createTestClock', () => {
  it('starts at the default or the given time and only moves on advance', async () => {
    expect(createTestClock().now()).toBe(DEFAULT_CLOCK_START)
    const clock = createTestClock(1000)
    expect(clock.now()).toBe(1000)
    await clock.flush()
    expect(clock.now()).toBe(1000)
    await clock.advance(250)
    expect(clock.now()).toBe(1250)
  })

  it('fires due timers in time order, ties in creation order, at their own time', async () => {
    const clock = createTestClock(0)
    const fired: string[] = []
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30)
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10)
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20)
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20)
    clock.setTimeout(() => fired.push('late'), 31)
    await clock.advance(30)
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30'])
    expect(clock.pendingTimers()).toBe(1)
  })

  it('fires timers scheduled by callbacks inside the window, not those beyond it', async () => {
    const clock = createTestClock(0)
    const fired: number[] = []
    clock.setTimeout(() => {
      fired.push(clock.now())
      clock.setTimeout(() => fired.push(clock.now()), 40)
      clock.setTimeout(() => fired.push(clock.now()), 60)
    }, 50)
    await clock.advance(100)
    expect(fired).toEqual([50, 90])
    expect(clock.now()).toBe(100)
    await clock.advance(10)
    expect(fired).toEqual([50, 90, 110])
  })

  it('fires timers that promise continuations of a fired timer schedule (flush between timers)', async () => {
    const clock = createTestClock(0)
    const fired: number[] = []
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => clock.setTimeout(() => fired.push(clock.now()), 5))
    }, 10)
    await clock.advance(20)
    expect(fired).toEqual([15])
  })

  it('settles work already in flight before moving time', async () => {
    const clock = createTestClock(0)
    const fired: number[] = []
    void Promise.resolve()
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => clock.setTimeout(() => fired.push(clock.now()), 10))
    await clock.advance(100)
    expect(fired).toEqual([10])
  })

  it('treats negative and NaN delays as zero, and advance(0) fires what is due now', async () => {
    const clock = createTestClock(0)
    const fired: string[] = []
    clock.setTimeout(() => fired.push('negative'), -5)
    clock.setTimeout(() => fired.push('nan'), Number.NaN)
    expect(fired).toEqual([])
    await clock.advance(0)
    expect(fired).toEqual(['negative', 'nan'])
  })

  it('clearTimeout cancels and ignores unknown handles; pendingTimers counts live timers', async () => {
    const clock = createTestClock(0)
    const fired: string[] = []
    const a = clock.setTimeout(() => fired.push('a'), 10)
    clock.setTimeout(() => fired.push('b'), 10)
    expect(clock.pendingTimers()).toBe(2)
    clock.clearTimeout(a)
    clock.clearTimeout(a)
    clock.clearTimeout('nonsense')
    clock.clearTimeout(undefined)
    expect(clock.pendingTimers()).toBe(1)
    await clock.advance(10)
    expect(fired).toEqual(['b'])
    expect(clock.pendingTimers()).toBe(0)
  })

  it('stays correct when many timers are set and cleared (heap compaction)', async () => {
    const clock = createTestClock(0)
    const fired: number[] = []
    for (let i = 0; i < 500; i++) clock.clearTimeout(clock.setTimeout(() => fired.push(-1), 5))
    clock.setTimeout(() => fired.push(clock.now()), 7)
    expect(clock.pendingTimers()).toBe(1)
    await clock.advance(10)
    expect(fired).toEqual([7])
  })

  it('sleep resolves only once clock time has passed', async () => {
    const clock = createTestClock(0)
    let woke = false
    void clock.sleep(100).then(() => {
      woke = true
    })
    await clock.flush()
    await clock.advance(99)
    expect(woke).toBe(false)
    await clock.advance(1)
    expect(woke).toBe(true)
  })

  it('flush settles promise chains and I/O callbacks without moving time or firing timers', async () => {
    const clock = createTestClock(0)
    const steps: string[] = []
    clock.setTimeout(() => steps.push('timer'), 0)
    void Promise.resolve()
      .then(() => steps.push('micro'))
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => steps.push('after-io'))
    await clock.flush()
    expect(steps).toEqual(['micro', 'after-io'])
    expect(clock.now()).toBe(0)
    expect(clock.pendingTimers()).toBe(1)
  })

  it('runs overlapping advances one after the other', async () => {
    const clock = createTestClock(0)
    const fired: number[] = []
    clock.setTimeout(() => fired.push(clock.now()), 150)
    await Promise.all([clock.advance(100), clock.advance(100)])
    expect(clock.now()).toBe(200)
    expect(fired).toEqual([150])
  })

  it('rejects an advance whose callback throws, leaving the clock at that time', async () => {
    const clock = createTestClock(0)
    clock.setTimeout(() => {
      throw new Error('boom')
    }, 10)
    await expect(clock.advance(50)).rejects.toThrow('boom')
    expect(clock.now()).toBe(10)
    await clock.advance(5)
    expect(clock.now()).toBe(15)
  })

  it('always fires in (time, creation) order for arbitrary delays', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }), async (delays) => {
        const clock = createTestClock(0, { flushRounds: 1 })
        const fired: Array<[number, number]> = []
        for (const [index, delay] of delays.entries()) {
          clock.setTimeout(() => fired.push([clock.now(), index]), delay)
        }
        await clock.advance(50)
        const expected = delays.map((delay, index): [number, number] => [delay, index])
        expected.sort((a, b) => a[0] - b[0] || a[1] - b[1])
        expect(fired).toEqual(expected)
      }),
      { numRuns: 50 },
    )
  })
})
