import type { Logger } from '../contracts/logger.js'
import type { Health, ServerSnapshot } from '../contracts/server.js'
import type { ComfyBalancerError } from '../errors/base.js'
import { checkListenerCount } from './listener-limit.js'

/** Why a server was chosen. */
export type SelectionReason =
  /** The strategy picked it among healthy candidates. */
  | 'strategy'
  /** No candidate was healthy (or the strategy found none acceptable): the primary was used. */
  | 'fallback-primary'
  /** The strategy threw: the primary was used (the original design's single-server mode). */
  | 'strategy-error'
  /**
   * Too few servers were healthy (below `outlier.panicThreshold`): the choice was made among every
   * server that still answers, held-out ones included, rather than piling work on the few left.
   */
  | 'panic'

/** Every event a balancer emits, by name. Payloads hold snapshots (no secrets). */
export interface BalancerEvents {
  /** A server was handed out by `acquire()` or `getOptimalServer()`. */
  selected: {
    readonly server: ServerSnapshot
    readonly strategy: string
    readonly reason: SelectionReason
    readonly candidates: number
  }
  /** A server's health changed (first probe included: `unknown` → `healthy`). */
  'health-changed': {
    readonly server: ServerSnapshot
    readonly previous: Health
    readonly health: Health
    readonly reason?: string
  }
  /**
   * Outlier logic took a server out until `until` (ms): failed jobs or error answers in a row, a
   * stall, or flapping. `ejections` counts its ejections lately (each lasts longer).
   */
  ejected: {
    readonly server: ServerSnapshot
    readonly until: number
    readonly reason: string
    readonly ejections: number
  }
  /**
   * The shared state store (`stateStore` option) became unavailable (the balancer works on its local
   * view meanwhile) or available again (it rejoins the others).
   */
  'state-store': {
    readonly store: string
    readonly state: 'available' | 'unavailable'
    readonly reason?: string
  }
  /** A selection moved away from the server chosen before, because that one is not usable. */
  failover: { readonly from: ServerSnapshot; readonly to: ServerSnapshot; readonly reason: string }
  /** A new config was applied. Lists server ids. */
  'config-changed': {
    readonly added: readonly string[]
    readonly removed: readonly string[]
    readonly changed: readonly string[]
  }
  /** A job's loader read a model from disk on a server (timed by its pushed messages), taking `ms`. */
  'model-loaded': { readonly serverId: string; readonly model: string; readonly ms: number }
  /** Something went wrong that did not throw to a caller (a probe, a strategy, a config reload). */
  error: { readonly error: ComfyBalancerError; readonly serverId?: string }
}

export type BalancerEventName = keyof BalancerEvents
export type BalancerEventHandler<K extends BalancerEventName> = (event: BalancerEvents[K]) => void

/** A small typed emitter. A throwing handler is reported, never allowed to break the balancer. */
export class EventHub {
  #handlers = new Map<BalancerEventName, Set<(event: never) => void>>()
  readonly #warned = { value: false }

  constructor(
    private readonly onHandlerError: (error: unknown, name: BalancerEventName) => void,
    private readonly logger: Logger,
  ) {}

  on<K extends BalancerEventName>(name: K, handler: BalancerEventHandler<K>): () => void {
    let set = this.#handlers.get(name)
    if (!set) {
      set = new Set()
      this.#handlers.set(name, set)
    }
    checkListenerCount(set.size, `"${name}"`, this.logger, this.#warned)
    set.add(handler as (event: never) => void)
    return () => {
      set.delete(handler as (event: never) => void)
    }
  }

  has(name: BalancerEventName): boolean {
    return (this.#handlers.get(name)?.size ?? 0) > 0
  }

  emit<K extends BalancerEventName>(name: K, event: BalancerEvents[K]): void {
    const set = this.#handlers.get(name)
    if (!set || set.size === 0) return
    for (const handler of [...set]) {
      try {
        ;(handler as BalancerEventHandler<K>)(event)
      } catch (error) {
        this.onHandlerError(error, name)
      }
    }
  }

  clear(): void {
    this.#handlers.clear()
  }
}
