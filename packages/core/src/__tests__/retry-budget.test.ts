import { describe, expect, it } from 'vitest'
import type { Clock } from '../contracts/clock.js'
import { RetryBudget } from '../jobs/retry-budget.js'

/** Time that moves only when the test says: the budget reads `now()` and sets no timers. */
function manualClock(): Clock & { set(ms: number): void } {
  let now = 0
  return {
    now: () => now,
    setTimeout: () => {
      throw new Error('RetryBudget sets no timers')
    },
    clearTimeout: () => undefined,
    set: (ms) => {
      now = ms
    },
  }
}

describe('RetryBudget', () => {
  const settings = () => ({
    retryRatio: 0.2,
    retryMin: 3,
    retryWindowMs: 10_000,
    retryBackoffMs: 100,
    retryBackoffCapMs: 2_000,
  })

  it('forgets submissions older than its window even when nothing is retried', () => {
    const clock = manualClock()
    const budget = new RetryBudget(clock, Math.random, settings)
    for (let i = 0; i < 20_000; i++) {
      budget.submitted()
      clock.set(clock.now() + 100)
    }
    // 10 s of submissions at one per 100 ms is 100; pruning runs every 64.
    expect(budget.remembered).toBeLessThanOrEqual(100 + 64)
  })

  it('allows retries as a share of recent submissions, with a floor', () => {
    const clock = manualClock()
    const budget = new RetryBudget(clock, Math.random, settings)
    for (let i = 0; i < 30; i++) budget.submitted()
    const granted = Array.from({ length: 10 }, () => budget.tryRetry()).filter(Boolean).length
    expect(granted).toBe(6)
    clock.set(clock.now() + 10_001)
    expect(budget.tryRetry()).toBe(true)
  })
})
