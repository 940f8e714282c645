import type { BalancerSnapshot, JobHints, ServerSnapshot } from '@comfy-balancer/core'
import { useCallback, useEffect, useState } from 'react'
import { useBalancerFor } from './context.js'
import { isPending, peekOptimal } from './preview.js'
import { useSelection } from './use-balancer-snapshot.js'

/** Options of {@link useOptimalServer}. */
export interface UseOptimalServerOptions {
  /** Per-job constraints to respect (include/exclude server ids, tags). */
  readonly job?: JobHints | undefined
}

/** `pending` until the first probe round ends; `error` when a refresh (or the config load) failed. */
export type OptimalServerStatus = 'pending' | 'ready' | 'error'

/** What {@link useOptimalServer} returns. */
export interface OptimalServerState {
  /**
   * The chosen server's real base URL (with credentials, if configured): use it in requests, do not
   * render it. `undefined` while pending.
   */
  readonly url: string | undefined
  /** The chosen server as it was when chosen (redacted URL: safe to show). `undefined` while pending. */
  readonly server: ServerSnapshot | undefined
  readonly status: OptimalServerStatus
  /** Why the last refresh failed, when `status` is `error`. */
  readonly error: unknown
  /** Probes every server now; the choice follows. Never rejects: failures land in `error`. */
  readonly refresh: () => Promise<void>
}

interface Choice {
  readonly pending: boolean
  readonly server: ServerSnapshot | undefined
  readonly url: string | undefined
}

const sameChoice = (a: Choice, b: Choice): boolean =>
  a.pending === b.pending && a.server?.id === b.server?.id && a.server?.health === b.server?.health

/**
 * The server the next job would go to, kept current. Re-renders only when the choice changes (or
 * its health does), not on every probe. Showing it costs nothing: it comes from core's
 * `balancer.preview()` (a live lock, then the best score of your strategy, then the primary), which
 * never counts a job in flight; to dispatch, call `balancer.submit()` / `acquire()` /
 * `getOptimalServer()`. Starts a first probe round if none has run yet.
 *
 * @example
 * ```tsx
 * function BestServer() {
 *   const { server, status } = useOptimalServer()
 *   return <p>{status === 'ready' ? `Next job goes to ${server?.name}` : 'Checking servers…'}</p>
 * }
 * ```
 */
export function useOptimalServer(options?: UseOptimalServerOptions): OptimalServerState {
  const balancer = useBalancerFor('useOptimalServer()')
  const job = options?.job
  const select = useCallback(
    (snapshot: BalancerSnapshot): Choice => {
      if (isPending(snapshot)) return { pending: true, server: undefined, url: undefined }
      const server = peekOptimal(balancer, job)
      return { pending: false, server, url: server && balancer.serverUrl(server.id) }
    },
    [balancer, job],
  )
  const choice = useSelection('useOptimalServer()', select, sameChoice)
  const [failure, setFailure] = useState<{ readonly error: unknown } | null>(null)

  const refresh = useCallback(async (): Promise<void> => {
    try {
      await balancer.refresh()
      setFailure(null)
    } catch (error) {
      setFailure({ error })
    }
  }, [balancer])

  useEffect(() => {
    const snapshot = balancer.getSnapshot()
    // A background round (BalancerProvider) shares this refresh instead of starting another.
    if (isPending(snapshot) && !snapshot.refreshing) void refresh()
  }, [balancer, refresh])

  return {
    url: choice.url,
    server: choice.server,
    status: failure !== null ? 'error' : choice.pending ? 'pending' : 'ready',
    error: failure?.error,
    refresh,
  }
}
