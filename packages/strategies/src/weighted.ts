import type { ServerSnapshot, Strategy } from '@comfy-balancer/core'

/**
 * Smooth weighted round robin (nginx's algorithm): every pick adds each candidate's `weight` to its
 * running score, takes the highest, and subtracts the total from the winner. Over any window each
 * server gets its weight's share, interleaved rather than in runs (weights 5/1/1 give a a b a c a a,
 * not a a a a a b c). Servers with weight 0 are never chosen; with only those, none is acceptable.
 *
 * @example
 * ```ts
 * // servers: [{ url: a, weight: 3 }, { url: b, weight: 1 }]
 * createLoadBalancer({ config, strategy: weighted() }) // a, a, b, a, a, a, b, a …
 * ```
 */
export function weighted(): Strategy {
  const current = new Map<string, number>()
  return {
    name: 'weighted',
    select(candidates) {
      let total = 0
      let best: ServerSnapshot | undefined
      let bestScore = Number.NEGATIVE_INFINITY
      for (const server of candidates) {
        if (!(server.weight > 0)) continue
        const score = (current.get(server.id) ?? 0) + server.weight
        current.set(server.id, score)
        total += server.weight
        if (score > bestScore) {
          best = server
          bestScore = score
        }
      }
      if (!best) return undefined
      current.set(best.id, bestScore - total)
      // Forget servers that left the pool, so memory tracks the pool, not its history.
      if (current.size > candidates.length * 2) {
        const present = new Set(candidates.map((server) => server.id))
        for (const id of current.keys()) if (!present.has(id)) current.delete(id)
      }
      return best
    },
  }
}
