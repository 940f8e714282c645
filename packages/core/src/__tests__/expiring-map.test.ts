import { describe, expect, it } from 'vitest'
import { ExpiringMap } from '../util/expiring-map.js'

/** A clock that moves only when told. */
function manualClock(start = 1_000) {
  let now = start
  return {
    now: () => now,
    advance(ms: number) {
      now += ms
    },
  }
}

describe('ExpiringMap', () => {
  it('drops an entry once its ttl has passed on the clock, as Redis PX does', () => {
    const clock = manualClock()
    const map = new ExpiringMap<string, number>(clock)
    map.set('a', 1, 100)
    expect(map.entry('a')).toEqual({ value: 1, expiresAt: 1_100 })
    clock.advance(99)
    expect(map.get('a')).toBe(1)
    clock.advance(1)
    expect(map.get('a')).toBeUndefined()
    expect(map.has('a')).toBe(false)
  })

  it('uses the default ttl of its options when set names none, and never lapses without one', () => {
    const clock = manualClock()
    const lapsing = new ExpiringMap<string, string>(clock, { ttlMs: 600_000 })
    const lasting = new ExpiringMap<string, string>(clock)
    lapsing.set('job', 'done')
    lasting.set('job', 'done')
    clock.advance(600_000)
    expect(lapsing.get('job')).toBeUndefined()
    expect(lasting.get('job')).toBe('done')
  })

  it('keeps at most maxEntries, dropping the least recently set first', () => {
    const clock = manualClock()
    const map = new ExpiringMap<string, number>(clock, { maxEntries: 3 })
    map.set('a', 1)
    map.set('b', 2)
    map.set('c', 3)
    map.set('a', 10) // set again: now the newest
    map.set('d', 4)
    expect([...map.entries()].map(([key]) => key)).toEqual(['c', 'a', 'd'])
    expect(map.size).toBe(3)
  })

  it('counts and lists only live entries', () => {
    const clock = manualClock()
    const map = new ExpiringMap<string, number>(clock)
    map.set('short', 1, 10)
    map.set('long', 2, 1_000)
    clock.advance(10)
    expect(map.size).toBe(1)
    expect([...map.entries()].map(([key, entry]) => [key, entry.value])).toEqual([['long', 2]])
  })

  it('sweeps lapsed entries on writes, so memory follows the live entries', () => {
    const clock = manualClock()
    const map = new ExpiringMap<number, number>(clock)
    for (let i = 0; i < 1_000; i++) {
      map.set(i, i, 5)
      clock.advance(10)
    }
    // Every earlier entry lapsed; the amortised sweep has removed them without any read.
    expect(map.size).toBe(0)
    map.set(-1, -1, 5)
    map.delete(-1)
    map.set(-2, -2, 5)
    map.clear()
    expect(map.size).toBe(0)
  })
})
