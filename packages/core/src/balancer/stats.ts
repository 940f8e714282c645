import type { ServerSnapshot } from '../contracts/server.js'
import type { ServerStats } from './options.js'

/** One `getServerStats()` row, computed from a snapshot at time `now`. */
export function toServerStats(server: ServerSnapshot, now: number): ServerStats {
  // A down server's last reading says nothing about now.
  const queue =
    server.health === 'unhealthy' || server.queue === 'unknown' || !server.queue.known
      ? undefined
      : server.queue.running + server.queue.pending
  const last = server.failures[server.failures.length - 1]
  const locked = server.lockedUntil !== undefined && server.lockedUntil > now
  return {
    id: server.id,
    name: server.name,
    url: server.url,
    priority: server.priority,
    weight: server.weight,
    health: server.health,
    healthy: server.health === 'healthy',
    queue,
    inFlight: server.inFlight,
    locked,
    lockedUntil: locked ? server.lockedUntil : undefined,
    latencyMs: server.latencyMs,
    jobMs: server.jobMs,
    failureCount: server.failures.length,
    consecutiveFailures: server.consecutiveFailures,
    lastFailure: last ? { at: last.at, reason: last.reason } : undefined,
    checkedAt: server.checkedAt,
    ejectedUntil:
      server.health === 'unhealthy' && server.ejectedUntil !== undefined && server.ejectedUntil > now
        ? server.ejectedUntil
        : undefined,
    // The snapshot's own objects: unchanged rows stay `===` for UI selectors.
    capabilities: server.capabilities,
    heldModels: server.models?.held ?? NOTHING_HELD,
  }
}

const NOTHING_HELD: readonly string[] = Object.freeze([])

/** Rows are equal when every field is (the last failure compared by time and reason): for UI selectors. */
export function sameServerStats(a: readonly ServerStats[], b: readonly ServerStats[]): boolean {
  if (a.length !== b.length) return false
  return a.every((row, i) => {
    const other = b[i]!
    for (const key of Object.keys(row) as (keyof ServerStats)[]) {
      if (key === 'lastFailure') {
        if (
          row.lastFailure?.at !== other.lastFailure?.at ||
          row.lastFailure?.reason !== other.lastFailure?.reason
        ) {
          return false
        }
      } else if (!Object.is(row[key], other[key])) return false
    }
    return true
  })
}
