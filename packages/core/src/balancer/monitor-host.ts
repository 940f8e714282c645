import type { BalancerConfig } from '../config/types.js'
import type { Clock, RandomSource } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { ServerConfig } from '../contracts/server.js'
import type { ComfyBalancerError } from '../errors/base.js'
import type { FetchLike } from '../probe/fetch-json.js'
import type { EventHub } from './events.js'
import type { InFlightCounter } from './in-flight.js'
import type { SharedState } from './shared-state.js'
import type { BalancerStore } from './store.js'

/** What the health monitor (and its probe runner and verdicts) needs from the balancer that owns it. */
export interface MonitorHost {
  readonly clock: Clock
  readonly random: RandomSource
  readonly fetch: FetchLike
  readonly logger: Logger
  readonly store: BalancerStore
  readonly events: EventHub
  config(): BalancerConfig | undefined
  serverConfig(id: string): ServerConfig | undefined
  counter(id: string): InFlightCounter | undefined
  reportError(error: ComfyBalancerError, serverId?: string): void
  /** The shared state store's view, when the balancer has one. */
  shared(): SharedState | undefined
}
