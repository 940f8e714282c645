import { queueLength, type ServerSnapshot } from '../contracts/server.js'
import type { Strategy } from '../contracts/strategy.js'

/** Orders servers as the original design does: shorter queue, then lower priority, then config order. */
export function compareByQueue(a: ServerSnapshot, b: ServerSnapshot): number {
  return queueLength(a) - queueLength(b) || a.priority - b.priority || a.index - b.index
}

/**
 * The original design's rule and the default strategy: the fewest prompts ahead
 * (`running + pending + inFlight`), ties to the lower priority, then to the earlier server in the
 * config. Deterministic; no state.
 */
export function minQueue(): Strategy {
  return {
    name: 'minQueue',
    score: (server) => queueLength(server),
    select(candidates) {
      let best: ServerSnapshot | undefined
      let bestLength = Number.POSITIVE_INFINITY
      for (let i = 0; i < candidates.length; i++) {
        const server = candidates[i]!
        const length = queueLength(server)
        if (
          length < bestLength ||
          (length === bestLength &&
            best !== undefined &&
            (server.priority - best.priority || server.index - best.index) < 0)
        ) {
          best = server
          bestLength = length
        }
      }
      return best
    },
  }
}
