import type { Strategy } from '../index.js'

export type { Strategy }

/** A minimal sticky decorator for core's own tests (the real one lives in @comfy-balancer/strategies). */
export function sticky(inner: Strategy, ttlMs: number): Strategy {
  return {
    name: `sticky(${inner.name})`,
    lockTtlMs: ttlMs,
    ...(inner.score ? { score: inner.score } : {}),
    select(candidates, ctx) {
      const lock = ctx.lock
      const locked = lock && lock.until > ctx.now ? candidates.find((c) => c.id === lock.serverId) : undefined
      return locked ?? inner.select(candidates, ctx)
    },
  }
}
