import type { ServerStats } from '@comfy-balancer/core'
import { sameServerStats } from '@comfy-balancer/core/internal'
import { useCallback } from 'react'
import { useBalancerFor } from './context.js'
import { useSelection } from './use-balancer-snapshot.js'

/**
 * Every server's health, queue, in-flight count, lock, latency and failures (the balancer's
 * `getServerStats()`), kept current. Re-renders only when some row changed.
 *
 * @example
 * ```tsx
 * const stats = useServerStats()
 * return <ul>{stats.map((s) => <li key={s.id}>{s.name}: {s.health}, queue {s.queue ?? '?'}</li>)}</ul>
 * ```
 */
export function useServerStats(): readonly ServerStats[] {
  const balancer = useBalancerFor('useServerStats()')
  // getServerStats() reads the same state getSnapshot() returns; it is recomputed per new snapshot.
  const select = useCallback((): readonly ServerStats[] => balancer.getServerStats(), [balancer])
  return useSelection('useServerStats()', select, sameServerStats)
}
