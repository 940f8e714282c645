import type { JobHints, ServerSnapshot } from '@comfy-balancer/core'
import {
  chooseOptimal,
  needsFirstRound,
  type OptimalServerStatus,
  optimalStatus,
  type RefreshFailure,
  refreshReporting,
  sameChoice,
} from '@comfy-balancer/core/internal'
import { computed, type MaybeRefOrGetter, shallowRef, toValue, watch } from 'vue'
import { type ReadonlyRef, useBalancerState } from './use-balancer-state.js'

export type { OptimalServerStatus }

/** Options of {@link useOptimalServer}. */
export interface UseOptimalServerOptions {
  /** Per-job constraints to respect (include/exclude server ids, tags); may be a ref or getter. */
  readonly job?: MaybeRefOrGetter<JobHints | undefined> | undefined
}

/** What {@link useOptimalServer} returns: readonly refs and a `refresh`. */
export interface OptimalServerRefs {
  /**
   * The chosen server's real base URL (with credentials, if configured): use it in requests, do not
   * render it. `undefined` while pending.
   */
  readonly url: ReadonlyRef<string | undefined>
  /** The chosen server as it was when chosen (redacted URL: safe to show). `undefined` while pending. */
  readonly server: ReadonlyRef<ServerSnapshot | undefined>
  readonly status: ReadonlyRef<OptimalServerStatus>
  /** Why the last refresh failed, when `status` is `error`. */
  readonly error: ReadonlyRef<unknown>
  /** Probes every server now; the choice follows. Never rejects: failures land in `error`. */
  refresh(): Promise<void>
}

/** The optimal-server machinery shared by `useOptimalServer` and `useLoadBalancer`. */
export function optimalServer(caller: string, options: UseOptimalServerOptions | undefined) {
  const { balancer, state, recompute } = useBalancerState(
    caller,
    (snapshot, b) => chooseOptimal(b, snapshot, toValue(options?.job)),
    sameChoice,
  )
  if (options?.job !== undefined) watch(() => toValue(options.job), recompute, { deep: true })

  const failure = shallowRef<RefreshFailure | null>(null)
  const refresh = refreshReporting(balancer, (outcome) => {
    failure.value = outcome
  })
  // A background round shares this refresh instead of starting another.
  if (typeof window !== 'undefined' && needsFirstRound(balancer.getSnapshot())) void refresh()

  const refs: OptimalServerRefs = {
    url: computed(() => state.value.url),
    server: computed(() => state.value.server),
    status: computed(() => optimalStatus(state.value, failure.value)),
    error: computed(() => failure.value?.error),
    refresh,
  }
  return { balancer, refs, recompute }
}

/**
 * The server the next job would go to, as readonly refs kept current. They change only when the
 * choice changes (or its health does), not on every probe. Showing it costs nothing: it is read
 * from core's `balancer.preview()` (a live lock, then the best score of your strategy, then the
 * primary), which never counts a job in flight; to dispatch, call `balancer.submit()` / `acquire()` /
 * `getOptimalServer()`. Starts a first probe round if
 * none has run yet. Call it in `setup()`.
 *
 * @example
 * ```ts
 * const { server, status } = useOptimalServer()
 * // template: <p v-if="status === 'ready'">Next job goes to {{ server?.name }}</p>
 * ```
 */
export function useOptimalServer(options?: UseOptimalServerOptions): OptimalServerRefs {
  return optimalServer('useOptimalServer()', options).refs
}
