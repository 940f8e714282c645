import type { BalancerSnapshot, JobHints, ServerSnapshot } from '@comfy-balancer/core'
import { computed, type MaybeRefOrGetter, shallowRef, toValue, watch } from 'vue'
import type { BalancerLike } from './balancer-like.js'
import { isPending, peekOptimal } from './preview.js'
import { type ReadonlyRef, useBalancerState } from './use-balancer-state.js'

/** Options of {@link useOptimalServer}. */
export interface UseOptimalServerOptions {
  /** Per-job constraints to respect (include/exclude server ids, tags); may be a ref or getter. */
  readonly job?: MaybeRefOrGetter<JobHints | undefined> | undefined
}

/** `pending` until the first probe round ends; `error` when a refresh (or the config load) failed. */
export type OptimalServerStatus = 'pending' | 'ready' | 'error'

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

interface Choice {
  readonly pending: boolean
  readonly server: ServerSnapshot | undefined
  readonly url: string | undefined
}

const sameChoice = (a: Choice, b: Choice): boolean =>
  a.pending === b.pending && a.server?.id === b.server?.id && a.server?.health === b.server?.health

/** The optimal-server machinery shared by `useOptimalServer` and `useLoadBalancer`. */
export function optimalServer(caller: string, options: UseOptimalServerOptions | undefined) {
  const choose = (snapshot: BalancerSnapshot, balancer: BalancerLike): Choice => {
    if (isPending(snapshot)) return { pending: true, server: undefined, url: undefined }
    const server = peekOptimal(balancer, toValue(options?.job))
    return { pending: false, server, url: server && balancer.serverUrl(server.id) }
  }
  const { balancer, state, recompute } = useBalancerState(caller, choose, sameChoice)
  if (options?.job !== undefined) watch(() => toValue(options.job), recompute, { deep: true })

  const failure = shallowRef<{ readonly error: unknown } | null>(null)
  const refresh = async (): Promise<void> => {
    try {
      await balancer.refresh()
      failure.value = null
    } catch (error) {
      failure.value = { error }
    }
  }
  const snapshot = balancer.getSnapshot()
  // A background round shares this refresh instead of starting another.
  if (typeof window !== 'undefined' && isPending(snapshot) && !snapshot.refreshing) void refresh()

  const refs: OptimalServerRefs = {
    url: computed(() => state.value.url),
    server: computed(() => state.value.server),
    status: computed(() => (failure.value !== null ? 'error' : state.value.pending ? 'pending' : 'ready')),
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
