import type { Clock, Logger } from '@comfy-balancer/core'
import { type BackoffPolicy, backoffDelay } from '@comfy-balancer/core/internal'
import type { RedisOptions } from 'ioredis'

/** Options for `createRedisStateStore`. Everything has a default. */
export interface RedisStateStoreOptions {
  /**
   * Where Redis is: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. Default
   * `redis://127.0.0.1:6379`. The password never appears in names, errors, events or logs.
   */
  readonly url?: string
  /**
   * Starts every key and channel, so several balancer groups (or apps) can share one Redis. Default
   * `comfy-balancer:`. Instances that should act as one use the same prefix.
   */
  readonly prefix?: string
  /** How long one operation may take before it rejects with `StateStoreError` (ms). Default 1 000. */
  readonly commandTimeoutMs?: number
  /** How long connecting may take (ms). Default 5 000. */
  readonly connectTimeoutMs?: number
  /** The longest wait between reconnection attempts while Redis is down (ms). Default 2 000. */
  readonly maxReconnectDelayMs?: number
  /**
   * More ioredis options (`tls`, `username`, `password`, `db`, `family`…). The store sets its own
   * queueing, retry and timeout options over these: operations must fail fast while Redis is down.
   */
  readonly redis?: ClientOptions
  /** Turns Redis TTLs into `until` times. Default: the system clock. */
  readonly clock?: Clock
  /** Where a throwing probe listener or a subscription problem is reported. Default: console, warnings up. */
  readonly logger?: Logger
}

/**
 * ioredis options, less `replyMapping`: the store parses replies in ioredis's default (`legacy`)
 * shape, whichever RESP protocol is spoken.
 */
export type ClientOptions = Omit<RedisOptions, 'replyMapping'>

export const DEFAULT_URL = 'redis://127.0.0.1:6379'

/**
 * The ioredis options the store relies on. No offline queue and no resending: while Redis is down
 * an operation rejects at once (the balancer falls back to its local view) and a command whose
 * reply was lost is never sent twice (an in-flight count must not be added twice).
 */
export function clientOptions(options: RedisStateStoreOptions, extra: ClientOptions = {}): ClientOptions {
  // 100 ms doubling to the cap. Not jittered: a reconnect is one connection per instance, cheap for Redis.
  const reconnect: BackoffPolicy = { baseMs: 100, maxMs: options.maxReconnectDelayMs ?? 2_000 }
  return {
    ...options.redis,
    lazyConnect: false,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    // Only used when closing a socket that is not connected (`dispose()`): nothing is left to flush.
    disconnectTimeout: 0,
    retryStrategy: (attempt: number) => backoffDelay({ ...reconnect, attempt }),
    ...extra,
  }
}
