import type { ProbeRecord, ServerMarkKind, StateStoreStatus } from '../state/records.js'
import type { StateStore } from '../state/state-store.js'
import type { InFlightCounter } from './in-flight.js'
import { type SharedHost, sharedTtlMs } from './shared-host.js'
import { SharedInFlight } from './shared-in-flight.js'
import { SharedProbes } from './shared-probes.js'
import { StoreBreaker } from './store-breaker.js'

/**
 * This balancer's side of a shared {@link StateStore}: it shares in-flight counts
 * ({@link SharedInFlight}), probe results and leases ({@link SharedProbes}), marks, the sticky lock
 * and job ownership, and keeps a local copy of what the others shared so that choosing stays
 * synchronous. Every store call is fire-and-forget or has a local fallback, behind a
 * {@link StoreBreaker}: a store that fails makes the balancer work alone, never stop.
 */
export class SharedState {
  readonly ownerId: string
  readonly #breaker: StoreBreaker
  readonly #inFlight: SharedInFlight
  readonly #probes: SharedProbes
  readonly #unsubscribe: Array<() => void> = []

  constructor(
    readonly store: StateStore,
    private readonly host: SharedHost,
  ) {
    this.ownerId = host.ownerId
    const ttlMs = () => sharedTtlMs(host.config())
    this.#breaker = new StoreBreaker(store, host.clock, host.logger, {
      paused: (operation, message, pauseMs) => {
        host.logger.warn(
          `state store ${store.name}: ${operation} failed (${message}); working on the local view, trying again in ${pauseMs} ms`,
        )
        this.#inFlight.forgetOthers()
        const reason = `${operation} failed: ${message}`
        host.events.emit('state-store', { store: store.name, state: 'unavailable', reason })
      },
      resumed: () => {
        host.logger.info(`state store ${store.name} answers again: sharing state`)
        host.events.emit('state-store', { store: store.name, state: 'available' })
        void this.catchUp()
      },
    })
    this.#inFlight = new SharedInFlight(store, this.#breaker, host, ttlMs)
    this.#probes = new SharedProbes(store, this.#breaker, host, ttlMs)
    this.#unsubscribe.push(
      store.onStatus((status) => this.#statusChanged(status)),
      store.subscribeProbes((record) => this.#probes.received(record)),
    )
    void this.catchUp()
  }

  /** Whether the store can be used now (available and not paused); otherwise use the local view. */
  get usable(): boolean {
    return this.#breaker.usable
  }

  // ── In-flight counts and probes ─────────────────────────────────────────────

  /** This instance's count on a server changed: share it (batched per microtask). */
  localChanged(counter: InFlightCounter): void {
    this.#inFlight.localChanged(counter)
  }

  /**
   * Shares this instance's count on `id` now and resolves to how many jobs the other instances have
   * there, as the store counted them atomically with this change (undefined if it could not say).
   * `acquire()` uses it to confirm a choice: a server another instance took meanwhile is not kept.
   */
  reserve(id: string): Promise<number | undefined> {
    return this.#inFlight.reserve(id)
  }

  /** Whether this instance should probe `id` now: it holds (or just took) the server's probe lease. */
  mayProbe(id: string): Promise<boolean> {
    return this.#probes.mayProbe(id)
  }

  /** The latest probe record another instance published for `id`, if still fresh enough to use. */
  latest(id: string): ProbeRecord | undefined {
    return this.#probes.latest(id)
  }

  /** This instance probed a server: tell the others. */
  publish(record: ProbeRecord): void {
    this.#probes.publish(record)
  }

  // ── Marks, the lock and job ownership ───────────────────────────────────────

  /** This instance took a server out: tell the others, for `ttlMs`. */
  mark(serverId: string, kind: ServerMarkKind, reason: string, ttlMs: number): void {
    if (!this.usable || ttlMs <= 0) return
    const mark = { serverId, kind, reason, ownerId: this.ownerId, at: this.host.clock.now() }
    this.store
      .setMark(mark, Math.round(ttlMs))
      .catch((error: unknown) => this.#breaker.failed('setMark', error))
  }

  /**
   * Asks for the shared sticky lock on `serverId`. Resolves to the lock every instance should
   * follow (this one's or a winner's), or undefined when there is none to follow.
   */
  async lock(serverId: string, ttlMs: number): Promise<{ serverId: string; until: number } | undefined> {
    if (!this.usable) return undefined
    try {
      if (await this.store.tryLock({ serverId, ownerId: this.ownerId, ttlMs })) return undefined
      const held = await this.store.readLock()
      return held && held.ownerId !== this.ownerId
        ? { serverId: held.serverId, until: held.until }
        : undefined
    } catch (error) {
      this.#breaker.failed('tryLock', error)
      return undefined
    }
  }

  /** A failed server must not stay locked for anyone. */
  unlock(): void {
    if (!this.usable) return
    this.store.releaseLock(this.ownerId).catch((error: unknown) => this.#breaker.failed('releaseLock', error))
  }

  /** Tells the others that `serverId` holds `promptId`, for `ttlMs`. */
  owned(promptId: string, serverId: string, ttlMs: number): void {
    if (!this.usable) return
    this.store
      .setOwner(promptId, serverId, ttlMs)
      .catch((error: unknown) => this.#breaker.failed('setOwner', error))
  }

  /** Where another instance placed `promptId`, if the store knows (undefined when it cannot say). */
  async ownerOf(promptId: string): Promise<string | undefined> {
    if (!this.usable) return undefined
    try {
      return await this.store.getOwner(promptId)
    } catch (error) {
      this.#breaker.failed('getOwner', error)
      return undefined
    }
  }

  /** The job's result was read: no instance needs its owner any more. */
  forget(promptId: string): void {
    if (!this.usable) return
    this.store.deleteOwner(promptId).catch((error: unknown) => this.#breaker.failed('deleteOwner', error))
  }

  // ── Catching up ─────────────────────────────────────────────────────────────

  /**
   * Reads what the others shared (in-flight counts, marks, probe records) and re-shares this
   * instance's counts. Runs at start, when the store comes back, and on every refresh. Never rejects.
   */
  async catchUp(): Promise<void> {
    if (!this.usable) return
    try {
      const [inFlight, marks, probes] = await Promise.all([
        this.store.readInFlight(),
        this.store.readMarks(),
        this.store.readProbes(),
      ])
      if (this.#breaker.closed) return
      this.#breaker.succeeded()
      for (const record of probes) this.#probes.received(record)
      for (const mark of marks) if (mark.ownerId !== this.ownerId) this.host.remoteMark(mark)
      this.#inFlight.caughtUp(inFlight)
    } catch (error) {
      this.#breaker.failed('catch up', error)
    }
  }

  close(): void {
    this.#breaker.close()
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
  }

  #statusChanged(status: StateStoreStatus): void {
    if (this.#breaker.closed) return
    const { events, logger } = this.host
    if (status.state === 'unavailable') {
      logger.warn(`state store ${this.store.name} unavailable: working on the local view (${status.reason})`)
      this.#inFlight.forgetOthers()
      // Already announced by a pause: the store now says so itself.
      if (this.#breaker.storeLost()) return
      events.emit('state-store', { store: this.store.name, state: 'unavailable', reason: status.reason })
    } else {
      logger.info(`state store ${this.store.name} available again: sharing state`)
      events.emit('state-store', { store: this.store.name, state: 'available' })
      void this.catchUp()
    }
  }
}
