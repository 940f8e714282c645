import type { CapabilityBook } from '../capabilities/capability-book.js'
import type { JobFit } from '../capabilities/job-fit.js'
import type { Clock, RandomSource } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { Strategy } from '../contracts/strategy.js'
import type { ComfyBalancerError } from '../errors/base.js'
import type { ModelBook } from '../models/model-book.js'
import type { FetchLike } from '../probe/fetch-json.js'
import type { OnDemandSocketHub } from '../ws/on-demand-hub.js'
import type { ChoiceEffects } from './choice-effects.js'
import type { ConfigLoader } from './config-loader.js'
import type { EventHub } from './events.js'
import type { HealthMonitor } from './health-monitor.js'
import type { Lifetime } from './lifetime.js'
import type { ServerRegistry } from './server-registry.js'
import type { SharedState } from './shared-state.js'
import type { BalancerStore } from './store.js'

/**
 * The parts one balancer is made of, built once by `wireBalancer()` from its options. Each part
 * takes only the ones it uses.
 */
export interface BalancerParts {
  readonly clock: Clock
  readonly random: RandomSource
  readonly logger: Logger
  readonly fetch: FetchLike
  readonly strategy: Strategy
  /** This balancer's ComfyUI `client_id`: the WebSocket id its jobs report to. */
  readonly clientId: string
  /** Makes prompt ids (the `createPromptId` option). */
  readonly newPromptId: () => string
  readonly lifetime: Lifetime
  /** Event listeners (`on()`). */
  readonly events: EventHub
  /** The snapshot UIs read (`getSnapshot()`/`subscribe()`). */
  readonly store: BalancerStore
  /** The config in force, each server's settings and in-flight counter. */
  readonly servers: ServerRegistry
  /** Probes, failure verdicts, outlier ejection. */
  readonly monitor: HealthMonitor
  /** What a choice does besides handing out a server (lock, failover, `selected` event). */
  readonly effects: ChoiceEffects
  /** The shared state store's view, when the balancer has one. */
  readonly shared: SharedState | undefined
  /** Probe mode `ws`: one socket per server, opened on first use. */
  readonly sockets: OnDemandSocketHub
  /** Each server's node classes and model files, read from `/object_info` off the hot path. */
  readonly capabilities: CapabilityBook
  /** Where a job can run and which models it loads there. */
  readonly fit: JobFit
  /** Which models each server holds and how long it loads them. */
  readonly models: ModelBook
  /** Loads config from a `source`; undefined with inline `config`. */
  readonly loader: ConfigLoader | undefined
  /** Resolves once a config is in force. */
  ready(): Promise<void>
  /** Logs an error and emits it as an `error` event. */
  reportError(error: ComfyBalancerError, message?: string, serverId?: string): void
}
