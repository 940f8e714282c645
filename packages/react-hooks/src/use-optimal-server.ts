import type { BalancerSnapshot, JobHints } from '@comfy-balancer/core'
import { bindOptimalServer, type OptimalServerView, type RefreshFailure } from '@comfy-balancer/core/internal'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useBalancerFor } from './context.js'
import { useSelection } from './use-balancer-snapshot.js'

/** Options of {@link useOptimalServer}. */
export interface UseOptimalServerOptions {
  /** Per-job constraints to respect (include/exclude server ids, tags). */
  readonly job?: JobHints | undefined
}

/** What {@link useOptimalServer} returns. */
export interface OptimalServerState extends OptimalServerView {
  /** Probes every server now; the choice follows. Never rejects: failures land in `error`. */
  readonly refresh: () => Promise<void>
}

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
  const [failure, setFailure] = useState<RefreshFailure | null>(null)
  const optimal = useMemo(() => bindOptimalServer(balancer, setFailure), [balancer])
  const select = useCallback((snapshot: BalancerSnapshot) => optimal.choose(snapshot, job), [optimal, job])
  const choice = useSelection('useOptimalServer()', select, optimal.sameChoice)
  // An effect, not render: render stays pure, and server rendering never probes.
  useEffect(() => optimal.startFirstRound(), [optimal])
  return { ...optimal.view(choice, failure), refresh: optimal.refresh }
}
