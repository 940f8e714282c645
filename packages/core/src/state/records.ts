import type { QueueState } from '../contracts/server.js'

/**
 * Whether a {@link StateStore} can be used right now. A store that is `unavailable` rejects every
 * operation with `StateStoreError` (code `STATE_STORE_UNAVAILABLE`); balancers then work on their
 * local view and go back to the shared one when it turns `available` again.
 */
export type StateStoreStatus =
  | { readonly state: 'available' }
  | {
      readonly state: 'unavailable'
      /** Why, for logs and events (`connect ECONNREFUSED 127.0.0.1:6379`); credentials redacted. */
      readonly reason: string
    }

/** A request for the shared sticky lock: prefer `serverId` everywhere for `ttlMs`. */
export interface LockRequest {
  readonly serverId: string
  /** The balancer instance asking; only it may release the lock early. */
  readonly ownerId: string
  readonly ttlMs: number
}

/** The shared sticky lock as read back: one server preferred by every instance until `until`. */
export interface SharedLock {
  readonly serverId: string
  /** The balancer instance that took it; only it may release it early. */
  readonly ownerId: string
  /** When it lapses, on the reader's clock (ms). Stores convert, so instances' clocks need not agree. */
  readonly until: number
}

/**
 * Why a server is being avoided. `failed`: a job or probe failed there (`recordFailure`).
 * `ejected`: outlier ejection took it out for a while although it still answers probes.
 */
export type ServerMarkKind = 'failed' | 'ejected'

/** A mark as written: one per server and kind, the latest write wins. */
export interface ServerMarkInput {
  readonly serverId: string
  readonly kind: ServerMarkKind
  /** What went wrong, already redacted (it is shared with every instance). */
  readonly reason: string
  /** The balancer instance that set it. */
  readonly ownerId: string
  /** When it happened, on the writer's clock (ms). */
  readonly at: number
}

/** A mark as read back. */
export interface ServerMark extends ServerMarkInput {
  /** When it lapses, on the reader's clock (ms). */
  readonly until: number
}

/**
 * One probe of one server, as the instance holding that server's probe lease publishes it for the
 * others. Small and JSON-serialisable: no URLs, headers or other secrets.
 */
export interface ProbeRecord {
  readonly serverId: string
  /** The balancer instance that probed. */
  readonly ownerId: string
  /** When the probe started, on the prober's clock (ms): jobs placed before it are in its queue reading. */
  readonly startedAt: number
  /** When it finished, on the prober's clock (ms). */
  readonly at: number
  /** What the probe found: `healthy` when the server answered. */
  readonly health: 'healthy' | 'unhealthy'
  /** The queue it read, as in `ServerSnapshot.queue`. */
  readonly queue: QueueState | 'unknown'
  /** Probe round trip (ms), when the server answered. */
  readonly latencyMs?: number
  /** Why it is unhealthy, already redacted. */
  readonly reason?: string
}
