import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random'
import { type FixtureSnapshot, serverSnapshot } from './server-fixtures'

/** The part of core's `Strategy` the suite drives (structural: the testkit does not import core). */
export interface StrategyUnderTest {
  readonly name: string
  select(candidates: readonly FixtureSnapshot[], ctx: ContextUnderTest): FixtureSnapshot | undefined
}

/** The part of core's `SelectContext` the suite sets. */
export interface ContextUnderTest {
  readonly now: number
  readonly random: () => number
  readonly lock?: { readonly serverId: string; readonly until: number }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/** A reproducible stream of candidate lists: varied sizes, queues, priorities, weights and job times. */
function scenarios(seed: number, count: number): FixtureSnapshot[][] {
  const random = seededRandom(seed)
  const lists: FixtureSnapshot[][] = []
  for (let n = 0; n < count; n++) {
    const size = 1 + Math.floor(random() * 12)
    const list: FixtureSnapshot[] = []
    for (let i = 0; i < size; i++) {
      if (random() < 0.2) continue
      list.push(
        serverSnapshot(i, {
          queue: Math.floor(random() * 6),
          inFlight: Math.floor(random() * 3),
          priority: Math.floor(random() * 3),
          weight: 1 + Math.floor(random() * 4),
          ...(random() < 0.5 ? { jobMs: 200 + Math.floor(random() * 3000) } : {}),
          tags: random() < 0.5 ? ['sdxl'] : [],
        }),
      )
    }
    lists.push(list)
  }
  return lists
}

/**
 * The invariants every strategy must keep, as a vitest suite: it returns a member of the candidates
 * or `undefined`, `undefined` on an empty list, never mutates its input, and is deterministic given
 * the same snapshots, `ctx.now` and `ctx.random` sequence. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * import { describeStrategyConformance } from '@comfy-balancer/testkit/conformance'
 * describeStrategyConformance('myStrategy', () => myStrategy())
 * ```
 */
export function describeStrategyConformance(name: string, create: () => StrategyUnderTest): void {
  describe(`Strategy conformance: ${name}`, () => {
    it('returns undefined for no candidates', () => {
      expect(create().select([], { now: 0, random: seededRandom(1) })).toBeUndefined()
    })

    it('returns one of the candidates (the same object) or undefined', () => {
      const strategy = create()
      const random = seededRandom(2)
      scenarios(11, 300).forEach((candidates, step) => {
        const chosen = strategy.select(candidates, { now: step * 1000, random })
        if (chosen !== undefined) expect(candidates).toContain(chosen)
      })
    })

    it('never mutates the candidates or the context', () => {
      const strategy = create()
      const random = seededRandom(3)
      for (const [step, list] of scenarios(12, 200).entries()) {
        const before = JSON.stringify(list)
        const candidates = deepFreeze(list)
        const ctx = Object.freeze({
          now: step * 1000,
          random,
          lock: Object.freeze({ serverId: 'gpu-0', until: step * 1000 + 500 }),
        })
        expect(() => strategy.select(candidates, ctx)).not.toThrow()
        expect(JSON.stringify(candidates)).toBe(before)
      }
    })

    it('is deterministic given the same inputs and random sequence', () => {
      const run = () => {
        const strategy = create()
        const random = seededRandom(4)
        return scenarios(13, 300).map(
          (candidates, step) => strategy.select(candidates, { now: step * 1000, random })?.id,
        )
      }
      expect(run()).toEqual(run())
    })
  })
}
