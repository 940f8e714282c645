import { describe, expect, it } from 'vitest'
import { StoreBreaker } from '../balancer/store-breaker.js'
import { silentLogger } from '../contracts/logger.js'
import { createMemoryStateStore } from '../state/memory-store.js'

function setup() {
  let now = 0
  const clock = {
    now: () => now,
    setTimeout: () => undefined,
    clearTimeout: () => undefined,
  }
  const store = createMemoryStateStore({ clock, logger: silentLogger })
  const said: string[] = []
  const breaker = new StoreBreaker(store, clock, silentLogger, {
    paused: (operation, _message, pauseMs) => said.push(`paused ${operation} ${pauseMs}`),
    resumed: () => said.push('resumed'),
  })
  const advance = (ms: number) => {
    now += ms
  }
  return { breaker, said, advance, store }
}

describe('StoreBreaker', () => {
  it('pauses a store that fails an operation for 1 s, doubling to 30 s while it keeps failing', () => {
    const { breaker, said, advance } = setup()
    const pauses: number[] = []
    for (let i = 0; i < 7; i++) {
      breaker.failed('setInFlight', new Error('timed out'))
      let waited = 0
      while (!breaker.usable) {
        advance(250)
        waited += 250
      }
      pauses.push(waited)
    }
    expect(pauses).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000])
    // Announced once per outage, not once per pause.
    expect(said).toEqual(['paused setInFlight 1000'])
  })

  it('ignores failures while paused, and a success ends the pause and starts over at 1 s', () => {
    const { breaker, said, advance } = setup()
    breaker.failed('tryLease', 'no answer')
    advance(500)
    breaker.failed('tryLease', 'no answer') // still paused: not counted
    advance(500)
    expect(breaker.usable).toBe(true)
    breaker.succeeded()
    expect(said).toEqual(['paused tryLease 1000', 'resumed'])
    breaker.failed('tryLease', 'no answer')
    advance(999)
    expect(breaker.usable).toBe(false)
    advance(1)
    expect(breaker.usable).toBe(true)
  })

  it('hands over to the store’s own status: storeLost says whether a pause already announced it', () => {
    const { breaker } = setup()
    expect(breaker.storeLost()).toBe(false)
    breaker.failed('setMark', new Error('timed out'))
    expect(breaker.storeLost()).toBe(true)
    expect(breaker.usable).toBe(true)
  })

  it('is never usable once closed or when the store is gone', async () => {
    const { breaker, store } = setup()
    await store.dispose()
    expect(breaker.usable).toBe(false)
    const other = setup()
    other.breaker.close()
    expect(other.breaker.usable).toBe(false)
    expect(other.breaker.closed).toBe(true)
  })
})
