import type { ServerStats } from '@comfy-balancer/core'

/**
 * A row of the original design's `getServerStats()`, as `ComfyUILoadBalancer` returns it so that
 * code written for the original keeps working: `failures` is a count and a value not known yet is
 * `null`. The engine's own rows (`balancer.getServerStats()`) name the count `failureCount` and use
 * `undefined`, as its snapshots do.
 */
export interface OriginalServerStats {
  readonly id: string
  readonly name: string
  /** Redacted base URL. */
  readonly url: string
  readonly priority: number
  readonly weight: number
  readonly health: ServerStats['health']
  readonly healthy: boolean
  /** Prompts running plus pending at the last probe; `null` when unknown (treated as 0). */
  readonly queue: number | null
  readonly inFlight: number
  readonly locked: boolean
  readonly lockedUntil: number | null
  readonly latencyMs: number | null
  readonly jobMs: number | null
  /** How many failures are remembered (bounded). */
  readonly failures: number
  readonly consecutiveFailures: number
  readonly lastFailure: { readonly at: number; readonly reason: string } | null
  readonly checkedAt: number | null
  /** Until when outlier logic holds the server out, while it does. */
  readonly ejectedUntil: number | null
}

/** The original design's row for one of the engine's rows. */
export function toOriginalStats(row: ServerStats): OriginalServerStats {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    priority: row.priority,
    weight: row.weight,
    health: row.health,
    healthy: row.healthy,
    queue: row.queue ?? null,
    inFlight: row.inFlight,
    locked: row.locked,
    lockedUntil: row.lockedUntil ?? null,
    latencyMs: row.latencyMs ?? null,
    jobMs: row.jobMs ?? null,
    failures: row.failureCount,
    consecutiveFailures: row.consecutiveFailures,
    lastFailure: row.lastFailure ?? null,
    checkedAt: row.checkedAt ?? null,
    ejectedUntil: row.ejectedUntil ?? null,
  }
}
