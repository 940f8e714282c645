import type { Clock } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import { ComfyBalancerError } from '../errors/base.js'
import type { StateStore } from '../state/state-store.js'
import { Backoff, type BackoffPolicy } from '../util/backoff.js'

/** How long a store that failed an operation is left alone: 1 s, doubling to 30 s while it keeps failing. */
const PAUSE: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 }

/** What the breaker tells its owner. */
export interface BreakerHandlers {
  /** A failed operation paused the store (announced once per outage). */
  paused(operation: string, message: string, pauseMs: number): void
  /** An operation worked again after an announced pause. */
  resumed(): void
}

/**
 * A circuit breaker over a {@link StateStore}. Besides the store's own status, a failed operation
 * (a hung Redis times out rather than disconnects) pauses the store for a while, so choices do not
 * each wait for a timeout. Not jittered: the pause is local, nothing herds on it.
 */
export class StoreBreaker {
  readonly #pause: Backoff
  /** The store is left alone until then (0: not paused). */
  #pausedUntil = 0
  /** Whether a pause was announced, so its end is announced too. */
  #announced = false
  #closed = false

  constructor(
    private readonly store: StateStore,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly logger: Logger,
    private readonly handlers: BreakerHandlers,
  ) {
    this.#pause = new Backoff(PAUSE)
  }

  /** Whether the store can be used now; otherwise every caller falls back to the local view. */
  get usable(): boolean {
    if (this.#closed || this.store.status.state !== 'available') return false
    return this.#pausedUntil === 0 || this.clock.now() >= this.#pausedUntil
  }

  get closed(): boolean {
    return this.#closed
  }

  /** An operation failed: pause the store, unless it is already paused or says it is down itself. */
  failed(operation: string, error: unknown): void {
    const message =
      ComfyBalancerError.isInstance(error) || error instanceof Error ? error.message : String(error)
    this.logger.debug(`state store ${this.store.name}: ${operation} failed, using the local view: ${message}`)
    // The store's own status events cover a lost connection; this covers a store that stops answering.
    if (this.#closed || this.store.status.state !== 'available') return
    const now = this.clock.now()
    if (now < this.#pausedUntil) return
    const pauseMs = this.#pause.next()
    this.#pausedUntil = now + pauseMs
    if (this.#announced) return
    this.#announced = true
    this.handlers.paused(operation, message, pauseMs)
  }

  /** An operation worked: a pause (if any) is over. */
  succeeded(): void {
    if (this.#pausedUntil === 0) return
    this.#reset()
    if (!this.#announced) return
    this.#announced = false
    this.handlers.resumed()
  }

  /**
   * The store itself reports it is unavailable: its status rules from now on, and any pause ends.
   * True when a pause had already announced the outage, so it is not announced twice.
   */
  storeLost(): boolean {
    this.#reset()
    const announced = this.#announced
    this.#announced = false
    return announced
  }

  close(): void {
    this.#closed = true
  }

  #reset(): void {
    this.#pausedUntil = 0
    this.#pause.reset()
  }
}
