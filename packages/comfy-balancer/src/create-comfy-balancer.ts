import {
  createLoadBalancer,
  type LoadBalancer,
  type LoadBalancerOptions,
  minQueue,
  type Strategy,
} from '@comfy-balancer/core'
import { sticky } from '@comfy-balancer/strategies'

/** The original design's lock length (ms). */
export const ORIGINAL_LOCK_MS = 30_000

/** `createLoadBalancer` options, with the strategy optional and the lock length settable. */
export interface ComfyBalancerOptions extends LoadBalancerOptions {
  /**
   * How long a chosen server stays locked (ms) with the default strategy. Default 30,000 as in the
   * original design. Ignored when you pass your own `strategy`.
   */
  readonly lockMs?: number
}

/** The original design's strategy: min-queue with priority ties, locked for `lockMs`. */
export function originalStrategy(lockMs: number = ORIGINAL_LOCK_MS): Strategy {
  return sticky(minQueue(), { ttlMs: lockMs })
}

/**
 * A balancer with the original design's defaults: `sticky(minQueue(), { ttlMs: 30_000 })`, 15 s load
 * cache, 10 s health and 5 s queue probe timeouts, the primary when nothing is healthy. Unlike the
 * original, choices between two probes are counted in flight, so a burst does not all land on one
 * server once the lock lapses.
 *
 * @example
 * ```ts
 * const balancer = createComfyBalancer({ config: { servers: ['http://10.0.0.5:8188', 'http://10.0.0.6:8188'] } })
 * const url = await balancer.getOptimalServer()
 * ```
 */
export function createComfyBalancer(options: ComfyBalancerOptions): LoadBalancer {
  const { lockMs, strategy, ...rest } = options
  return createLoadBalancer({ ...rest, strategy: strategy ?? originalStrategy(lockMs) })
}
