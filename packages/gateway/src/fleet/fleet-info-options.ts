import type { FetchLike } from '@comfy-balancer/core'
import type { FleetRequestError, FleetRoutePath } from './errors'
import type { FleetTimers } from './read-json'
import type { FleetServer } from './server-target'

/**
 * The fleet info's time source: `now()` for cache ages, and optionally timers for request timeouts
 * (core's `Clock` and testkit's `TestClock` have both). Without timers, the real ones are used.
 */
export interface FleetClock extends Partial<FleetTimers> {
  now(): number
}

/** Options of {@link FleetInfo}. Times are in milliseconds of `clock`, sizes in bytes. */
export interface FleetInfoOptions {
  /**
   * The servers, in the order merges prefer (the first server's definitions and order win). A
   * function is called on every read, so a changing configuration is followed; ids must be unique
   * (a repeated id is ignored).
   */
  readonly servers: readonly FleetServer[] | (() => readonly FleetServer[])
  /** Default: the global `fetch`, looked up on each request. */
  readonly fetch?: FetchLike
  /** Default: the system clock. */
  readonly clock?: FleetClock
  /** Timeout of each small route's request, body included. Default 10 000. */
  readonly timeoutMs?: number
  /** Timeout of `/object_info`, body included: big installs take seconds to build it. Default 60 000. */
  readonly objectInfoTimeoutMs?: number
  /** Byte limit of each small route's answer. Default 8 MiB. */
  readonly maxBytes?: number
  /** Byte limit of `/object_info` (~100 MB seen on real installs). Default 256 MiB. */
  readonly maxObjectInfoBytes?: number
  /** How long a small route's answers are served from cache. Default 30 000. */
  readonly ttlMs?: number
  /**
   * How long `/object_info` answers are fresh; after that the old answer is served while a new one
   * is read in the background. Default 300 000. `invalidate()` makes the next read wait for a new one.
   */
  readonly objectInfoTtlMs?: number
  /**
   * How long a server that failed a route is skipped before it is asked again, so a hung server does
   * not cost every caller a timeout. Default 5 000.
   */
  readonly failureTtlMs?: number
  /**
   * Called for every failed read of one server, with a redacted error. The server is skipped for
   * that answer. Must not throw (a throw is ignored).
   */
  readonly onError?: (serverId: string, route: FleetRoutePath, error: FleetRequestError) => void
}

/** The defaults of {@link FleetInfoOptions}. */
export const FLEET_INFO_DEFAULTS = {
  timeoutMs: 10_000,
  objectInfoTimeoutMs: 60_000,
  maxBytes: 8 * 1024 * 1024,
  maxObjectInfoBytes: 256 * 1024 * 1024,
  ttlMs: 30_000,
  objectInfoTtlMs: 300_000,
  failureTtlMs: 5_000,
} as const
