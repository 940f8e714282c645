import type { ServerSnapshot, ServerStats } from '@comfy-balancer/core'
import { InvalidArgumentError } from '@comfy-balancer/core'
import { type OptimalServerStatus, sameServerStats } from '@comfy-balancer/core/internal'
import { toValue } from 'vue'
import { type ReadonlyRef, useBalancerState } from './use-balancer-state.js'
import { optimalServer, type UseOptimalServerOptions } from './use-optimal-server.js'

/** What {@link useLoadBalancer} returns: readonly refs and two actions. */
export interface LoadBalancerRefs {
  /** Every server's health, queue, in-flight count, lock, latency and failures; replaced when a row changes. */
  readonly servers: ReadonlyRef<readonly ServerStats[]>
  /** The server the next job would go to (redacted URL: safe to show); `undefined` while pending. */
  readonly optimal: ReadonlyRef<ServerSnapshot | undefined>
  readonly status: ReadonlyRef<OptimalServerStatus>
  readonly error: ReadonlyRef<unknown>
  /** Probes every server now. Never rejects: failures land in `error`. */
  refresh(): Promise<void>
  /**
   * The original design's failover check: marks the server shown as optimal failed (through
   * `recordFailure`, as a failed job would) and resolves to it and the next choice, which `optimal`
   * shows at once. The marked server is re-probed with backoff (1 s, 2 s, 4 s …) and comes back
   * by itself when it answers. With a single server, `next` is that server again (the primary fallback).
   */
  testFailover(): Promise<FailoverTest>
}

/** What {@link LoadBalancerRefs.testFailover} did. */
export interface FailoverTest {
  /** The server marked failed. */
  readonly failed: ServerSnapshot
  /** The choice after it. */
  readonly next: ServerSnapshot | undefined
}

/**
 * The whole status of the balancer for a Vue component: server stats, the optimal server, status,
 * and `refresh`/`testFailover`. All refs are readonly `shallowRef`s updated from the balancer's
 * `subscribe`, released (with background probing) when the component unmounts. Call it in `setup()`.
 *
 * @example
 * ```ts
 * const { servers, optimal, status, refresh, testFailover } = useLoadBalancer()
 * ```
 */
export function useLoadBalancer(options?: UseOptimalServerOptions): LoadBalancerRefs {
  const caller = 'useLoadBalancer()'
  const { balancer, refs, recompute } = optimalServer(caller, options)
  const { state: servers } = useBalancerState(caller, (_, b) => b.getServerStats(), sameServerStats)

  const testFailover = async (): Promise<FailoverTest> => {
    if (balancer.getSnapshot().refreshedAt === undefined) await balancer.refresh()
    const job = toValue(options?.job)
    const preview = () => balancer.preview(job ? { job } : {})
    const failed = preview()
    if (failed === undefined) {
      throw new InvalidArgumentError(
        'testFailover(): no server matches the job hints, so none can be marked failed.',
      )
    }
    balancer.recordFailure(failed.id, 'testFailover(): marked failed on purpose to test failover')
    recompute()
    return { failed, next: preview() }
  }

  return {
    servers,
    optimal: refs.server,
    status: refs.status,
    error: refs.error,
    refresh: refs.refresh,
    testFailover,
  }
}
