import type { BalancerConfigInput } from '../config/schema.js'
import type { Clock, RandomSource } from '../contracts/clock.js'
import type { ConfigSource } from '../contracts/config-source.js'
import type { Logger } from '../contracts/logger.js'
import type { ServerSnapshot } from '../contracts/server.js'
import type { JobHints, Strategy } from '../contracts/strategy.js'
import type { LateBindingOptions } from '../jobs/dispatch-host.js'
import type { FetchLike } from '../probe/fetch-json.js'
import type { StateStore } from '../state/state-store.js'
import type { WebSocketFactory } from '../ws/web-socket.js'

/** How to create a balancer: give `config` (validated at once) or a `source` (loaded on first use). */
export interface LoadBalancerOptions {
  /** The servers and settings. Invalid input throws `ConfigValidationError` from `createLoadBalancer`. */
  readonly config?: BalancerConfigInput
  /** Where to load the config from instead; changes it reports are applied in place. */
  readonly source?: ConfigSource
  /** How to choose among healthy servers. Default: `minQueue()` (fewest prompts ahead, ties by priority). */
  readonly strategy?: Strategy
  /** The HTTP client. Default: the global `fetch` (on Node, see `@comfy-balancer/core/node`). */
  readonly fetch?: FetchLike
  /** Time source for caches, timeouts and timers. Default: the system clock. */
  readonly clock?: Clock
  /** Random source for jitter and randomized strategies. Default: `Math.random`. */
  readonly random?: RandomSource
  /** Where to log. Default: `console` at `warn` and above. */
  readonly logger?: Logger
  /**
   * Opens WebSockets, for `probe.queueMode: 'ws'` and pushed job events. Default: the global
   * `WebSocket` (browsers, Node 22+); on Node 20 pass `createNodeTransport().webSocket`.
   */
  readonly webSocket?: WebSocketFactory
  /**
   * Makes prompt ids (lowercase hyphenated UUIDs). Default: `crypto.randomUUID`, or a v4 UUID from
   * `crypto.getRandomValues` where that is missing (a page served over plain http is no secure context).
   */
  readonly createPromptId?: () => string
  /**
   * Shares in-flight counts, the sticky lock, failure and ejection marks, probe results (one
   * instance probes each server per interval) and job ownership with other app instances, such as
   * `createRedisStateStore()` from `@comfy-balancer/redis`. Without it the balancer works alone. If
   * the store becomes unavailable, the balancer carries on with its local view (a `state-store`
   * event says so) and rejoins when it is back. The balancer does not dispose the store.
   */
  readonly stateStore?: StateStore
  /**
   * Tuning of late binding, the default path of `run()` and `submit()`: how many prompts a server
   * may hold behind its running one, how often waiting jobs are planned again, and how long a job
   * may wait for a faster GPU. Defaults suit most clusters.
   */
  readonly dispatch?: LateBindingOptions
}

/** Options for one selection. */
export interface AcquireOptions {
  /** Hard constraints and wishes for this job (include/exclude ids, tags, priority). */
  readonly job?: JobHints
}

/**
 * A server handed out for one job. It counts as in flight on that server until you `release()` it
 * or until a probe has seen the job in the server's queue, whichever comes first.
 */
export interface Lease {
  /** The chosen server as it was at the choice (safe to log). */
  readonly server: ServerSnapshot
  /** The server's real base URL (with credentials, if configured): use it, do not log it. */
  readonly url: string
  /** Stop counting this job as in flight (idempotent). Call it once the job is queued or abandoned. */
  release(): void
}

/**
 * One row of `getServerStats()`: per server, what a status page shows (every key is present on every
 * row; a value not known yet is `undefined`). The original design's row, with `null`s and `failures`,
 * is `ComfyUILoadBalancer.getServerStats()` in `comfy-balancer`.
 */
export interface ServerStats {
  readonly id: string
  readonly name: string
  /** Redacted base URL. */
  readonly url: string
  readonly priority: number
  readonly weight: number
  readonly health: ServerSnapshot['health']
  readonly healthy: boolean
  /** Prompts running plus pending at the last probe; `undefined` when unknown (treated as 0). */
  readonly queue: number | undefined
  readonly inFlight: number
  readonly locked: boolean
  /** Until when the sticky lock holds, while it does. */
  readonly lockedUntil: number | undefined
  readonly latencyMs: number | undefined
  readonly jobMs: number | undefined
  /** How many failures are remembered (bounded by `failureHistory`); the list is `ServerSnapshot.failures`. */
  readonly failureCount: number
  readonly consecutiveFailures: number
  readonly lastFailure: { readonly at: number; readonly reason: string } | undefined
  readonly checkedAt: number | undefined
  /**
   * Until when outlier logic holds the server out (failed jobs, a stall, flapping), while it does:
   * `ServerSnapshot.ejectedUntil` while the ejection lasts.
   */
  readonly ejectedUntil: number | undefined
  /** What it can run (node, model and checkpoint counts), once its `/object_info` was read. */
  readonly capabilities: ServerSnapshot['capabilities']
  /** The models it holds, as the balancer infers them (least recently used first). */
  readonly heldModels: readonly string[]
}

/** Names a server: its id, its URL, or a snapshot of it. */
export type ServerRef = string | Pick<ServerSnapshot, 'id'>
