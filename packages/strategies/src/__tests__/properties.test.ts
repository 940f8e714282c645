import { fleetMedianJobMs, queueLength } from '@comfy-balancer/core/internal'
import { seededRandom } from '@comfy-balancer/testkit'
import { queueOf, serverSnapshot } from '@comfy-balancer/testkit/conformance'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { leastExpectedWait, minQueue, powerOfTwo, roundRobin, weighted } from '../index.js'

const ctx = (random = seededRandom(1)) => ({ now: 0, random })

describe('strategy properties', () => {
  it('weighted gives each server its weight share within 1 % over 10,000 picks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 12 }), (weights) => {
        const servers = weights.map((weight, i) => serverSnapshot(i, { weight }))
        const strategy = weighted()
        const counts = new Map<string, number>()
        for (let pick = 0; pick < 10_000; pick++) {
          const chosen = strategy.select(servers, ctx())!
          counts.set(chosen.id, (counts.get(chosen.id) ?? 0) + 1)
        }
        const total = weights.reduce((a, b) => a + b, 0)
        servers.forEach((server, i) => {
          const share = (counts.get(server.id) ?? 0) / 10_000
          expect(Math.abs(share - weights[i]! / total)).toBeLessThanOrEqual(0.01)
        })
      }),
      { numRuns: 60 },
    )
  })

  it('weighted interleaves instead of sending runs (5/1/1 → a a b a c a a)', () => {
    const servers = [serverSnapshot(0, { weight: 5 }), serverSnapshot(1), serverSnapshot(2)]
    const strategy = weighted()
    const picks = Array.from({ length: 7 }, () => strategy.select(servers, ctx())!.id.replace('gpu-', ''))
    expect(picks.join(' ')).toBe('0 0 1 0 2 0 0')
  })

  it('round robin is exactly even over any stable pool', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 20 }), (size, rounds) => {
        const servers = Array.from({ length: size }, (_, i) => serverSnapshot(i))
        const strategy = roundRobin()
        const counts = new Array<number>(size).fill(0)
        for (let pick = 0; pick < size * rounds; pick++) counts[strategy.select(servers, ctx())!.index]! += 1
        expect(new Set(counts)).toEqual(new Set([rounds]))
      }),
    )
  })

  it('round robin carries on where it was when servers come and go', () => {
    const all = [0, 1, 2, 3].map((i) => serverSnapshot(i))
    const strategy = roundRobin()
    const pick = (list: typeof all) => strategy.select(list, ctx())!.index
    expect([pick(all), pick(all)]).toEqual([0, 1])
    expect(pick([all[0]!, all[1]!, all[3]!])).toBe(3) // 2 left: skip to the next in order
    expect(pick(all)).toBe(0)
  })

  it('minQueue always returns a server with the minimum queue, ties to the lowest priority', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ queue: fc.nat(8), inFlight: fc.nat(3), priority: fc.nat(3) }), {
          minLength: 1,
          maxLength: 20,
        }),
        (specs) => {
          const servers = specs.map((spec, i) => serverSnapshot(i, { ...spec, queue: queueOf(spec.queue) }))
          const chosen = minQueue().select(servers, ctx())!
          const min = Math.min(...servers.map(queueLength))
          expect(queueLength(chosen)).toBe(min)
          const tied = servers.filter((s) => queueLength(s) === min)
          expect(chosen.priority).toBe(Math.min(...tied.map((s) => s.priority)))
        },
      ),
    )
  })

  it('leastExpectedWait prefers the fast GPU until its queue outweighs its speed', () => {
    const slow = serverSnapshot(0, { jobMs: 4_000 })
    const fast = serverSnapshot(1, { jobMs: 1_000, queue: 2 })
    // fast: (2 + 1) × 1 s = 3 s; slow: 1 × 4 s = 4 s.
    expect(leastExpectedWait().select([slow, fast], ctx())).toBe(fast)
    const busier = serverSnapshot(1, { jobMs: 1_000, queue: 4 })
    expect(leastExpectedWait().select([slow, busier], ctx())).toBe(slow)
  })

  it('leastExpectedWait breaks near-ties at random, not by list order', () => {
    const a = serverSnapshot(0, { jobMs: 1_000 })
    const b = serverSnapshot(1, { jobMs: 1_050 })
    const c = serverSnapshot(2, { jobMs: 2_000 })
    const random = seededRandom(9)
    const picks = new Map<string, number>()
    for (let i = 0; i < 1_000; i++) {
      const id = leastExpectedWait().select([a, b, c], ctx(random))!.id
      picks.set(id, (picks.get(id) ?? 0) + 1)
    }
    expect(picks.get('gpu-2')).toBeUndefined()
    expect(picks.get('gpu-0')).toBeGreaterThan(400)
    expect(picks.get('gpu-1')).toBeGreaterThan(400)
  })

  it('leastExpectedWait estimates unmeasured servers from the fleet median over weight, never as free', () => {
    const measured = serverSnapshot(0, { jobMs: 2_000, queue: 1 })
    const unmeasured = serverSnapshot(1, { weight: 2, queue: 1 })
    const strategy = leastExpectedWait()
    // measured: 2 × 2 s = 4 s; unmeasured: 2 × (2 s / 2) = 2 s.
    expect(strategy.score?.(unmeasured, ctx(), [measured, unmeasured])).toBe(2_000)
    expect(strategy.score?.(measured, ctx(), [measured, unmeasured])).toBe(4_000)
  })

  it('leastExpectedWait adds the load time of a model the server does not hold', () => {
    const models = (held: string[], loadMs: Record<string, number>) => ({ held, slots: 1, loadMs })
    // Equal job times; a holds x; b holds y and loaded x once in 6 s; c never loaded anything.
    const a = serverSnapshot(0, {
      jobMs: 10_000,
      models: models(['x.safetensors'], { 'x.safetensors': 4_000 }),
    })
    const b = serverSnapshot(1, {
      jobMs: 10_000,
      models: models(['y.safetensors'], { 'x.safetensors': 6_000 }),
    })
    const c = serverSnapshot(2, { jobMs: 10_000, queue: 1 })
    const strategy = leastExpectedWait({ tieTolerance: 0 })
    const job = { models: ['x.safetensors'] }
    const withJob = { ...ctx(), job }
    expect(strategy.score?.(a, withJob, [a, b, c])).toBe(10_000)
    expect(strategy.score?.(b, withJob, [a, b, c])).toBe(16_000)
    // c: its own running job, then this one, plus x's fleet mean load (5 s).
    expect(strategy.score?.(c, withJob, [a, b, c])).toBe(25_000)
    expect(strategy.select([b, a, c], withJob)?.id).toBe('gpu-0')
    // Without models, load times do not count.
    expect(strategy.score?.(b, ctx(), [a, b, c])).toBe(10_000)
  })

  it('powerOfTwo compares two distinct samples and never picks the worst of three', () => {
    const servers = [
      serverSnapshot(0, { queue: 5 }),
      serverSnapshot(1, { queue: 1 }),
      serverSnapshot(2, { queue: 3 }),
    ]
    const random = seededRandom(5)
    const strategy = powerOfTwo(minQueue())
    for (let i = 0; i < 500; i++) expect(strategy.select(servers, ctx(random))!.id).not.toBe('gpu-0')
    expect(() => powerOfTwo(roundRobin())).toThrow(/needs an inner strategy with a score/)
  })
})

describe('fleet median', () => {
  it('matches a sorted median for any set of job times', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }), { maxLength: 40 }),
        (times) => {
          const servers = times.map((jobMs, i) => serverSnapshot(i, jobMs === undefined ? {} : { jobMs }))
          const known = times.filter((t): t is number => t !== undefined).sort((a, b) => a - b)
          const m = known.length >> 1
          const expected =
            known.length === 0 ? undefined : known.length % 2 ? known[m] : (known[m - 1]! + known[m]!) / 2
          expect(fleetMedianJobMs(servers)).toBe(expected)
        },
      ),
    )
  })
})
