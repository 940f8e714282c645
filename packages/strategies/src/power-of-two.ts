import type { ServerSnapshot, Strategy } from '@comfy-balancer/core'
import { leastExpectedWait } from './least-expected-wait.js'

/**
 * Power of two choices: samples two different candidates with `ctx.random` and keeps the one the
 * inner strategy scores better (ties at random). With many clients choosing on stale loads, "go to
 * the least loaded" sends them all to the same server; two random samples keep the maximum queue
 * at about log log n instead (Mitzenmacher). The inner strategy must have a `score`; the default is
 * `leastExpectedWait()`.
 *
 * @example
 * ```ts
 * createLoadBalancer({ config, strategy: powerOfTwo(minQueue()) })
 * ```
 */
export function powerOfTwo(inner: Strategy = leastExpectedWait()): Strategy {
  const score = inner.score
  if (!score) {
    throw new TypeError(
      `powerOfTwo needs an inner strategy with a score() (such as minQueue() or leastExpectedWait()); "${inner.name}" has none.`,
    )
  }
  return {
    name: `powerOfTwo(${inner.name})`,
    score: (server, ctx, candidates) => score.call(inner, server, ctx, candidates),
    select(candidates, ctx) {
      const n = candidates.length
      if (n <= 1) return candidates[0]
      const i = Math.min(n - 1, Math.floor(ctx.random() * n))
      // The second sample is drawn from the other n − 1, so the two always differ.
      let j = Math.min(n - 2, Math.floor(ctx.random() * (n - 1)))
      if (j >= i) j += 1
      const a = candidates[i] as ServerSnapshot
      const b = candidates[j] as ServerSnapshot
      const sa = score.call(inner, a, ctx, candidates)
      const sb = score.call(inner, b, ctx, candidates)
      if (sa !== sb) return sa < sb ? a : b
      return ctx.random() < 0.5 ? a : b
    },
  }
}
