import type { Logger } from '../contracts/logger.js'
import type { ServerSnapshot } from '../contracts/server.js'
import type { Strategy } from '../contracts/strategy.js'
import type { EventHub, SelectionReason } from './events.js'
import { withLock } from './server-reducer.js'
import type { BalancerStore } from './store.js'

/**
 * What a choice does besides handing out a server: sets the selection lock for sticky strategies,
 * notices a failover (the server chosen last is no longer usable), reports the choice, and explains
 * it at debug level.
 */
export class ChoiceEffects {
  #lastSelectedId: string | undefined

  constructor(
    private readonly store: BalancerStore,
    private readonly events: EventHub,
    private readonly logger: Logger,
    private readonly strategy: Strategy,
    /** Offers a new lock to other app instances (a shared state store); they may hold another. */
    private readonly shareLock?: (serverId: string, ttlMs: number) => void,
  ) {}

  /** Another instance holds the shared lock: follow its choice until it lapses. */
  follow(serverId: string, until: number): void {
    const lock = this.store.meta.lock
    if (lock?.serverId === serverId && lock.until >= until) return
    if (lock && lock.serverId !== serverId) this.store.update(lock.serverId, (s) => withLock(s, undefined))
    if (!this.store.get(serverId)) return
    this.store.setLock({ serverId, until })
    this.store.update(serverId, (s) => withLock(s, until))
  }

  /** Before the job is counted: lock and failover. */
  chosen(chosen: ServerSnapshot, reason: SelectionReason, now: number): void {
    if (this.strategy.lockTtlMs !== undefined && reason === 'strategy') this.#lock(chosen.id, now)
    if (chosen.id !== this.#lastSelectedId || reason !== 'strategy') this.#noteFailover(chosen, reason)
  }

  /** After the job is counted: the `selected` event and the debug explanation. */
  reported(server: ServerSnapshot, reason: SelectionReason, candidates: number): void {
    if (this.events.has('selected')) {
      this.events.emit('selected', { server, strategy: this.strategy.name, reason, candidates })
    }
    if (this.logger.isLevelEnabled?.('debug') !== false) {
      this.logger.debug(`chose ${server.id} (${reason}) among ${candidates} candidate(s)`, {
        strategy: this.strategy.name,
        queues: Object.fromEntries(this.store.servers.map((s) => [s.id, `${s.health} q=${queueText(s)}`])),
      })
    }
  }

  #lock(id: string, now: number): void {
    const lock = this.store.meta.lock
    if (lock && lock.serverId === id && lock.until > now) return
    const until = now + (this.strategy.lockTtlMs ?? 0)
    if (lock && lock.serverId !== id) this.store.update(lock.serverId, (s) => withLock(s, undefined))
    this.store.setLock({ serverId: id, until })
    this.store.update(id, (s) => withLock(s, until))
    this.shareLock?.(id, until - now)
  }

  #noteFailover(chosen: ServerSnapshot, reason: SelectionReason): void {
    const previousId = this.#lastSelectedId
    this.#lastSelectedId = chosen.id
    if (previousId === undefined || previousId === chosen.id) {
      if (reason === 'fallback-primary' && chosen.health !== 'healthy') {
        this.logger.warn(`no healthy server: using the primary ${chosen.id} anyway`)
      }
      return
    }
    const previous = this.store.get(previousId)
    if (previous && previous.health === 'healthy') return
    const why = previous ? (previous.healthReason ?? previous.health) : 'removed from the config'
    const from = previous ?? { ...chosen, id: previousId, name: previousId }
    this.logger.info(`failover from ${previousId} to ${chosen.id}: ${why}`)
    this.events.emit('failover', { from, to: chosen, reason: why })
  }
}

function queueText(server: ServerSnapshot): string {
  if (server.queue === 'unknown' || !server.queue.known) return '?'
  return `${server.queue.running + server.queue.pending}+${server.inFlight}`
}
