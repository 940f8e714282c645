import type { JobHints } from '@comfy-balancer/core'
import { bindOptimalServer, type OptimalServerView, type RefreshFailure } from '@comfy-balancer/core/internal'
import { computed, type MaybeRefOrGetter, shallowRef, toValue, watch } from 'vue'
import { injectBalancer } from './plugin.js'
import { type ReadonlyRef, useBalancerState } from './use-balancer-state.js'

/** Options of {@link useOptimalServer}. */
export interface UseOptimalServerOptions {
  /** Per-job constraints to respect (include/exclude server ids, tags); may be a ref or getter. */
  readonly job?: MaybeRefOrGetter<JobHints | undefined> | undefined
}

/** Each field of `T` as a readonly ref. */
type ReadonlyRefs<T> = { readonly [K in keyof T]: ReadonlyRef<T[K]> }

/** What {@link useOptimalServer} returns: readonly refs and a `refresh`. */
export interface OptimalServerRefs extends ReadonlyRefs<OptimalServerView> {
  /** Probes every server now; the choice follows. Never rejects: failures land in `error`. */
  refresh(): Promise<void>
}

/** The optimal-server machinery shared by `useOptimalServer` and `useLoadBalancer`. */
export function optimalServer(caller: string, options: UseOptimalServerOptions | undefined) {
  const failure = shallowRef<RefreshFailure | null>(null)
  const optimal = bindOptimalServer(injectBalancer(caller).balancer, (outcome) => {
    failure.value = outcome
  })
  const { balancer, state, recompute } = useBalancerState(
    caller,
    (snapshot) => optimal.choose(snapshot, toValue(options?.job)),
    optimal.sameChoice,
  )
  if (options?.job !== undefined) watch(() => toValue(options.job), recompute, { deep: true })
  // Vue's server renderer never unmounts, so it must not start probing.
  if (typeof window !== 'undefined') optimal.startFirstRound()

  const view = computed(() => optimal.view(state.value, failure.value))
  const refs: OptimalServerRefs = {
    url: computed(() => view.value.url),
    server: computed(() => view.value.server),
    status: computed(() => view.value.status),
    error: computed(() => view.value.error),
    refresh: optimal.refresh,
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
