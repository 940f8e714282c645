import type { ServerStats } from '@comfy-balancer/core'
import { useCallback } from 'react'
import { useBalancerFor } from './context.js'
import { useSelection } from './use-balancer-snapshot.js'

/** Rows are equal when every field is (the last failure compared by time and reason). */
export function sameStats(a: readonly ServerStats[], b: readonly ServerStats[]): boolean {
  if (a.length !== b.length) return false
  return a.every((row, i) => {
    const other = b[i]!
    for (const key of Object.keys(row) as (keyof ServerStats)[]) {
      if (key === 'lastFailure') {
        if (
          row.lastFailure?.at !== other.lastFailure?.at ||
          row.lastFailure?.reason !== other.lastFailure?.reason
        )
          return false
      } else if (!Object.is(row[key], other[key])) return false
    }
    return true
  })
}

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
  return useSelection('useServerStats()', select, sameStats)
}
