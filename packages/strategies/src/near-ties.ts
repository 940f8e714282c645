import type { RandomSource, ServerSnapshot } from '@comfy-balancer/core'

/**
 * Picks uniformly at random among the servers whose score is within `tolerance` (a share) of the
 * best score. Lower scores are better. Deterministic given `random`'s sequence.
 */
export function pickAmongNearTies(
  servers: readonly ServerSnapshot[],
  scores: ArrayLike<number>,
  tolerance: number,
  random: RandomSource,
): ServerSnapshot | undefined {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < scores.length; i++) if (scores[i]! < best) best = scores[i]!
  if (!Number.isFinite(best)) return servers[0]
  const limit = best + Math.abs(best) * tolerance
  const ties: number[] = []
  for (let i = 0; i < scores.length; i++) if (scores[i]! <= limit) ties.push(i)
  if (ties.length === 1) return servers[ties[0]!]
  const at = Math.min(ties.length - 1, Math.floor(random() * ties.length))
  return servers[ties[at]!]
}
