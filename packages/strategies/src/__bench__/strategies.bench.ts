import type { SelectContext, ServerSnapshot, Strategy } from '@comfy-balancer/core'
import { seededRandom } from '@comfy-balancer/testkit'
import { serverSnapshot } from '@comfy-balancer/testkit/conformance'
import { bench, describe } from 'vitest'
import { leastExpectedWait, minQueue, powerOfTwo, roundRobin, sticky, weighted } from '../index.js'

const factories: Record<string, () => Strategy> = {
  minQueue: () => minQueue(),
  roundRobin: () => roundRobin(),
  weighted: () => weighted(),
  leastExpectedWait: () => leastExpectedWait(),
  'powerOfTwo(leastExpectedWait)': () => powerOfTwo(),
  'sticky(minQueue)': () => sticky(minQueue()),
}

/** A mixed pool: varied queues, weights and measured job times, as a real fleet would show. */
function pool(n: number): ServerSnapshot[] {
  const random = seededRandom(n)
  return Array.from(
    { length: n },
    (_, i) =>
      serverSnapshot(i, {
        queue: Math.floor(random() * 8),
        weight: 1 + Math.floor(random() * 4),
        ...(random() < 0.7 ? { jobMs: 500 + Math.floor(random() * 4000) } : {}),
      }) as ServerSnapshot,
  )
}

for (const n of [10, 100, 1_000, 10_000]) {
  describe(`select() over ${n} candidates`, () => {
    const candidates = pool(n)
    const ctx: SelectContext = { now: 0, random: seededRandom(7), lock: { serverId: 'gpu-3', until: 1 } }
    for (const [name, create] of Object.entries(factories)) {
      const strategy = create()
      bench(`${name} @ ${n}`, () => {
        strategy.select(candidates, ctx)
      })
    }
    // The balancer hands every choice a new list, so per-list caches (powerOfTwo's fleet median)
    // do not carry over: this row shows that cost.
    const p2c = powerOfTwo()
    bench(`powerOfTwo(leastExpectedWait), new list each call @ ${n}`, () => {
      p2c.select(candidates.slice(), ctx)
    })
  })
}
