import { describe, expect, it } from 'vitest'
import { Backoff, backoffDelay, jittered } from '../util/backoff.js'

/** A random source that answers `values` in turn and counts how often it was asked. */
function scripted(...values: number[]) {
  let calls = 0
  const random = () => values[calls++ % values.length]!
  return Object.assign(random, { calls: () => calls })
}

describe('backoffDelay', () => {
  it('starts at the base and doubles per attempt up to the cap, drawing no random value without jitter', () => {
    const random = scripted(0.5)
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) =>
      backoffDelay({ attempt, baseMs: 250, maxMs: 5_000 }, random),
    )
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000])
    expect(random.calls()).toBe(0)
  })

  it('bounds the first attempt by the cap when the base is larger', () => {
    expect(backoffDelay({ attempt: 1, baseMs: 10_000, maxMs: 3_000 })).toBe(3_000)
  })

  it('treats attempts below 1 as the first and stays finite for huge attempts and a zero base', () => {
    expect(backoffDelay({ attempt: 0, baseMs: 100, maxMs: 1_000 })).toBe(100)
    expect(backoffDelay({ attempt: -3, baseMs: 100, maxMs: 1_000 })).toBe(100)
    expect(backoffDelay({ attempt: 5_000, baseMs: 100, maxMs: 1_000 })).toBe(1_000)
    expect(backoffDelay({ attempt: 5_000, baseMs: 0, maxMs: 1_000 })).toBe(0)
  })

  it('full jitter is uniform below the ceiling, floored to whole ms', () => {
    const policy = { baseMs: 250, maxMs: 5_000, jitter: 'full' } as const
    expect(backoffDelay({ ...policy, attempt: 3 }, scripted(0))).toBe(0)
    expect(backoffDelay({ ...policy, attempt: 3 }, scripted(0.5))).toBe(500)
    expect(backoffDelay({ ...policy, attempt: 3 }, scripted(0.9999))).toBe(999)
    expect(backoffDelay({ ...policy, attempt: 9 }, scripted(0.5))).toBe(2_500)
  })

  it('a share of jitter moves the delay by up to ± that share, rounded', () => {
    const policy = { baseMs: 500, maxMs: 30_000, jitter: 0.2 }
    expect(backoffDelay({ ...policy, attempt: 1 }, scripted(0))).toBe(400)
    expect(backoffDelay({ ...policy, attempt: 1 }, scripted(0.5))).toBe(500)
    expect(backoffDelay({ ...policy, attempt: 1 }, scripted(0.75))).toBe(550)
    expect(backoffDelay({ ...policy, attempt: 7 }, scripted(0))).toBe(24_000)
  })

  it('a share of 0 still draws one random value, so a shared random sequence does not shift', () => {
    const random = scripted(0.3)
    expect(backoffDelay({ attempt: 2, baseMs: 1_000, maxMs: 8_000, jitter: 0 }, random)).toBe(2_000)
    expect(random.calls()).toBe(1)
  })
})

describe('jittered', () => {
  it('never goes below zero', () => {
    expect(jittered(100, 2, scripted(0))).toBe(0)
    expect(jittered(100, 0.5, scripted(0))).toBe(50)
  })
})

describe('Backoff', () => {
  it('grows with every step, starts over after reset and reads its policy each step', () => {
    let maxMs = 30_000
    const backoff = new Backoff(() => ({ baseMs: 1_000, maxMs }))
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([1_000, 2_000, 4_000])
    expect(backoff.attempt).toBe(3)
    maxMs = 3_000
    expect(backoff.next()).toBe(3_000)
    backoff.reset()
    expect(backoff.attempt).toBe(0)
    expect(backoff.next()).toBe(1_000)
  })

  it('spreads each step with the injected random source', () => {
    const backoff = new Backoff({ baseMs: 500, maxMs: 30_000, jitter: 0.2 }, scripted(1, 0))
    expect([backoff.next(), backoff.next()]).toEqual([600, 800])
  })
})
