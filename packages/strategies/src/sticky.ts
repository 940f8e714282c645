import type { SelectContext, ServerSnapshot, Strategy } from '@comfy-balancer/core'
import { expectedFinishMs, fleetMedianJobMs } from '@comfy-balancer/core/internal'

export interface StickyOptions {
  /** How long a chosen server stays locked (ms). Default 30,000, as in the original design. */
  readonly ttlMs?: number
  /**
   * Break the lock when the locked server's expected wait exceeds the best alternative's by more
   * than this (ms). Unset: the lock holds while the server is healthy (the original design).
   */
  readonly maxExtraWaitMs?: number
}

/**
 * The original design's lock as a decorator: while the lock is fresh and the locked server is a
 * candidate (so healthy), keep choosing it; otherwise let `inner` choose, and lock that. A failed
 * server is unlocked by the balancer and is never a candidate, so it is never returned. With
 * `maxExtraWaitMs`, the lock also breaks when staying costs more than that in expected wait — the
 * escape hatch the original lacks (it sent a whole burst to one server for 30 s).
 *
 * @example
 * ```ts
 * // Locality for cached models, but never more than 20 s of extra waiting:
 * createLoadBalancer({ config, strategy: sticky(leastExpectedWait(), { ttlMs: 60_000, maxExtraWaitMs: 20_000 }) })
 * ```
 */
export function sticky(inner: Strategy, options: StickyOptions = {}): Strategy {
  const ttlMs = options.ttlMs ?? 30_000
  if (!(ttlMs > 0)) throw new TypeError(`sticky expects ttlMs > 0, received ${ttlMs}.`)
  const maxExtra = options.maxExtraWaitMs
  return {
    name: `sticky(${inner.name})`,
    lockTtlMs: ttlMs,
    ...(inner.score ? { score: inner.score.bind(inner) } : {}),
    select(candidates, ctx) {
      const locked = lockedCandidate(candidates, ctx)
      if (locked && (maxExtra === undefined || extraWaitMs(locked, candidates, ctx.now) <= maxExtra))
        return locked
      return inner.select(candidates, ctx)
    },
  }
}

function lockedCandidate(
  candidates: readonly ServerSnapshot[],
  ctx: SelectContext,
): ServerSnapshot | undefined {
  const lock = ctx.lock
  if (!lock || lock.until <= ctx.now) return undefined
  return candidates.find((server) => server.id === lock.serverId)
}

/** How much longer a job would wait on `locked` than on the best other candidate (ms, ≥ 0). */
function extraWaitMs(locked: ServerSnapshot, candidates: readonly ServerSnapshot[], now: number): number {
  const median = fleetMedianJobMs(candidates)
  const mine = expectedFinishMs(locked, median, now)
  let best = mine
  for (const server of candidates) best = Math.min(best, expectedFinishMs(server, median, now))
  return mine - best
}
