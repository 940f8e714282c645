import type { ServerSnapshot } from '../contracts/server.js'
import type { ServerLock } from '../contracts/strategy.js'

/**
 * Everything a UI needs, as one immutable object. `getSnapshot()` returns the same object until
 * something changes, so it can back React's `useSyncExternalStore` directly.
 */
export interface BalancerSnapshot {
  /** Every configured server, in config order. */
  readonly servers: readonly ServerSnapshot[]
  /** The id of the primary (lowest priority, then first in the list). */
  readonly primaryId: string
  /** The current selection lock, if any was set (compare `until` with the clock). */
  readonly lock?: ServerLock
  /** The strategy's name. */
  readonly strategy: string
  /** When the last full refresh finished (ms), once one has. */
  readonly refreshedAt?: number
  /** True while a full refresh is running. */
  readonly refreshing: boolean
  /** Background probing is running (`start()` was called more often than `stop()`). */
  readonly running: boolean
  /** Increases by one with every new snapshot. */
  readonly version: number
}
