import type { BalancerConfig } from '../config/types.js'
import type { Clock } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import { ComfyBalancerError } from '../errors/base.js'
import type { ProbeRecord, ServerMark, ServerMarkKind, StateStoreStatus } from '../state/records.js'
import type { StateStore } from '../state/state-store.js'
import type { EventHub } from './events.js'
import type { InFlightCounter } from './in-flight.js'

/** What the shared view needs from the balancer that owns it. */
export interface SharedHost {
  readonly clock: Clock
  readonly logger: Logger
  readonly events: EventHub
  /** This instance's id in the store (its `clientId`). */
  readonly ownerId: string
  config(): BalancerConfig | undefined
  counter(id: string): InFlightCounter | undefined
  /** Another instance's in-flight count changed what this one should show. */
  inFlightChanged(id: string): void
  /** Another instance probed a server. */
  remoteProbe(record: ProbeRecord): void
  /** Another instance marked a server failed or ejected. */
  remoteMark(mark: ServerMark): void
}

/** How long a store that failed an operation is left alone, doubling while it keeps failing. */
const PAUSE_BASE_MS = 1_000
const PAUSE_CAP_MS = 30_000

/** A lease a little longer than the interval, so its holder renews it before anyone else takes it. */
const LEASE_FACTOR = 1.5

/**
 * This balancer's side of a shared {@link StateStore}: it shares in-flight counts, probe results and
 * leases, marks, the sticky lock and job ownership, and keeps a local copy of what the others
 * shared so that choosing stays synchronous. Every store call is fire-and-forget or has a local
 * fallback: a store that fails makes the balancer work alone, never stop.
 */
export class SharedState {
  readonly ownerId: string
  /** What the store holds as this instance's count, per server. */
  readonly #mine = new Map<string, number>()
  readonly #dirty = new Set<string>()
  readonly #latest = new Map<string, ProbeRecord>()
  readonly #unsubscribe: Array<() => void> = []
  #syncQueued = false
  #closed = false
  /** A local circuit breaker over the store: left alone until then after a failed operation. */
  #pausedUntil = 0
  #pauseMs = 0
  /** Whether a pause was announced (`state-store` unavailable), so its end is announced too. */
  #pauseAnnounced = false

  constructor(
    readonly store: StateStore,
    private readonly host: SharedHost,
  ) {
    this.ownerId = host.ownerId
    this.#unsubscribe.push(
      store.onStatus((status) => this.#statusChanged(status)),
      store.subscribeProbes((record) => this.#probed(record)),
    )
    void this.catchUp()
  }

  /**
   * Whether the store can be used now; otherwise every caller falls back to the local view. Besides
   * the store's own status, a failed operation (a hung Redis times out rather than disconnects)
   * pauses the store for a while — 1 s, doubling to 30 s — so choices do not each wait for a timeout.
   */
  get usable(): boolean {
    if (this.#closed || this.store.status.state !== 'available') return false
    return this.#pausedUntil === 0 || this.host.clock.now() >= this.#pausedUntil
  }

  // ── In-flight counts ─────────────────────────────────────────────────────────

  /** This instance's count on a server changed: share it (batched per microtask). */
  localChanged(counter: InFlightCounter): void {
    if (this.#closed) return
    this.#dirty.add(counter.serverId)
    if (this.#syncQueued) return
    this.#syncQueued = true
    queueMicrotask(() => {
      this.#syncQueued = false
      for (const id of this.#dirty) void this.#sync(id)
      this.#dirty.clear()
    })
  }

  /**
   * Shares this instance's count on `id` now and resolves to how many jobs the other instances have
   * there, as the store counted them atomically with this change (undefined if it could not say).
   * `acquire()` uses it to confirm a choice: a server another instance took meanwhile is not kept.
   */
  reserve(id: string): Promise<number | undefined> {
    this.#dirty.delete(id)
    return this.#sync(id)
  }

  #sync(id: string): Promise<number | undefined> {
    const counter = this.host.counter(id)
    if (!counter || !this.usable) return Promise.resolve(undefined)
    const mine = counter.count
    if (mine === this.#mine.get(id)) return Promise.resolve(counter.others)
    this.#mine.set(id, mine)
    // Set, not added: a repeated or retried write (the store came back, say) never counts a job twice.
    return this.store.setInFlight(id, this.host.ownerId, mine, this.#ttlMs()).then(
      (total) => {
        this.#succeeded()
        this.#othersAre(id, total - mine)
        return Math.max(0, total - mine)
      },
      (error: unknown) => {
        // Unknown whether the store took it: the next change sets the count again.
        this.#mine.delete(id)
        this.#failed('setInFlight', error)
        return undefined
      },
    )
  }

  #othersAre(id: string, others: number): void {
    const counter = this.host.counter(id)
    if (!counter) return
    const value = Math.max(0, others)
    if (counter.others === value) return
    counter.others = value
    this.host.inFlightChanged(id)
  }

  // ── Probes ───────────────────────────────────────────────────────────────────

  /** Whether this instance should probe `id` now: it holds (or just took) the server's probe lease. */
  async mayProbe(id: string): Promise<boolean> {
    if (!this.usable) return true
    const interval = this.host.config()?.probe.intervalMs ?? 15_000
    try {
      const mine = await this.store.tryLease(id, this.host.ownerId, Math.round(interval * LEASE_FACTOR))
      this.#succeeded()
      return mine
    } catch (error) {
      this.#failed('tryLease', error)
      return true
    }
  }

  /** The latest probe record another instance published for `id`, if still fresh enough to use. */
  latest(id: string): ProbeRecord | undefined {
    const record = this.#latest.get(id)
    const probe = this.host.config()?.probe
    if (!record || !probe) return undefined
    return this.host.clock.now() - record.at <= probe.cacheMs + probe.intervalMs ? record : undefined
  }

  /** This instance probed a server: tell the others. */
  publish(record: ProbeRecord): void {
    if (!this.usable) return
    this.store.publishProbe(record, this.#ttlMs() * 2).then(
      () => this.#succeeded(),
      (error: unknown) => this.#failed('publishProbe', error),
    )
  }

  #probed(record: ProbeRecord): void {
    if (this.#closed || record.ownerId === this.host.ownerId) return
    const known = this.#latest.get(record.serverId)
    if (known && (known.at > record.at || (known.at === record.at && known.startedAt >= record.startedAt)))
      return
    this.#latest.set(record.serverId, record)
    this.host.remoteProbe(record)
  }

  // ── Marks and the lock ───────────────────────────────────────────────────────

  /** This instance took a server out: tell the others, for `ttlMs`. */
  mark(serverId: string, kind: ServerMarkKind, reason: string, ttlMs: number): void {
    if (!this.usable || ttlMs <= 0) return
    const mark = { serverId, kind, reason, ownerId: this.host.ownerId, at: this.host.clock.now() }
    this.store.setMark(mark, Math.round(ttlMs)).catch((error: unknown) => this.#failed('setMark', error))
  }

  /**
   * Asks for the shared sticky lock on `serverId`. Resolves to the lock every instance should
   * follow (this one's or a winner's), or undefined when there is none to follow.
   */
  async lock(serverId: string, ttlMs: number): Promise<{ serverId: string; until: number } | undefined> {
    if (!this.usable) return undefined
    try {
      if (await this.store.tryLock({ serverId, ownerId: this.host.ownerId, ttlMs })) return undefined
      const held = await this.store.readLock()
      return held && held.ownerId !== this.host.ownerId
        ? { serverId: held.serverId, until: held.until }
        : undefined
    } catch (error) {
      this.#failed('tryLock', error)
      return undefined
    }
  }

  /** A failed server must not stay locked for anyone. */
  unlock(): void {
    if (!this.usable) return
    this.store.releaseLock(this.host.ownerId).catch((error: unknown) => this.#failed('releaseLock', error))
  }

  // ── Job ownership ────────────────────────────────────────────────────────────

  owned(promptId: string, serverId: string, ttlMs: number): void {
    if (!this.usable) return
    this.store.setOwner(promptId, serverId, ttlMs).catch((error: unknown) => this.#failed('setOwner', error))
  }

  async ownerOf(promptId: string): Promise<string | undefined> {
    if (!this.usable) return undefined
    try {
      return await this.store.getOwner(promptId)
    } catch (error) {
      this.#failed('getOwner', error)
      return undefined
    }
  }

  forget(promptId: string): void {
    if (!this.usable) return
    this.store.deleteOwner(promptId).catch((error: unknown) => this.#failed('deleteOwner', error))
  }

  // ── Catching up ──────────────────────────────────────────────────────────────

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
      if (this.#closed) return
      this.#succeeded()
      for (const record of probes) this.#probed(record)
      for (const mark of marks) if (mark.ownerId !== this.host.ownerId) this.host.remoteMark(mark)
      const ids = new Set([...Object.keys(inFlight), ...this.#mine.keys()])
      for (const id of ids) {
        const counter = this.host.counter(id)
        if (!counter) continue
        if (this.#mine.get(id) !== counter.count) this.localChanged(counter)
        this.#othersAre(id, (inFlight[id] ?? 0) - (this.#mine.get(id) ?? 0))
      }
    } catch (error) {
      this.#failed('catch up', error)
    }
  }

  close(): void {
    this.#closed = true
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
  }

  /** Entries outlive a probe interval a little, so a crashed instance's counts lapse by themselves. */
  #ttlMs(): number {
    const probe = this.host.config()?.probe
    return Math.round((probe?.intervalMs ?? 15_000) * LEASE_FACTOR + (probe?.healthTimeoutMs ?? 10_000))
  }

  #statusChanged(status: StateStoreStatus): void {
    if (this.#closed) return
    const { events, logger } = this.host
    if (status.state === 'unavailable') {
      logger.warn(`state store ${this.store.name} unavailable: working on the local view (${status.reason})`)
      this.#forgetOthers()
      this.#pausedUntil = 0
      this.#pauseMs = 0
      // Already announced by a pause: the store now says so itself.
      if (this.#pauseAnnounced) {
        this.#pauseAnnounced = false
        return
      }
      events.emit('state-store', { store: this.store.name, state: 'unavailable', reason: status.reason })
    } else {
      logger.info(`state store ${this.store.name} available again: sharing state`)
      events.emit('state-store', { store: this.store.name, state: 'available' })
      void this.catchUp()
    }
  }

  #failed(operation: string, error: unknown): void {
    const message =
      ComfyBalancerError.isInstance(error) || error instanceof Error ? error.message : String(error)
    const { logger, events, clock } = this.host
    logger.debug(`state store ${this.store.name}: ${operation} failed, using the local view: ${message}`)
    // The store's own status events cover a lost connection; this covers a store that stops answering.
    if (this.#closed || this.store.status.state !== 'available') return
    const now = clock.now()
    if (now < this.#pausedUntil) return
    this.#pauseMs = Math.min(this.#pauseMs === 0 ? PAUSE_BASE_MS : this.#pauseMs * 2, PAUSE_CAP_MS)
    this.#pausedUntil = now + this.#pauseMs
    if (this.#pauseAnnounced) return
    this.#pauseAnnounced = true
    logger.warn(
      `state store ${this.store.name}: ${operation} failed (${message}); working on the local view, trying again in ${this.#pauseMs} ms`,
    )
    this.#forgetOthers()
    events.emit('state-store', {
      store: this.store.name,
      state: 'unavailable',
      reason: `${operation} failed: ${message}`,
    })
  }

  /** An operation worked: a pause (if any) is over. */
  #succeeded(): void {
    if (this.#pausedUntil === 0) return
    this.#pausedUntil = 0
    this.#pauseMs = 0
    if (!this.#pauseAnnounced) return
    this.#pauseAnnounced = false
    this.host.logger.info(`state store ${this.store.name} answers again: sharing state`)
    this.host.events.emit('state-store', { store: this.store.name, state: 'available' })
    void this.catchUp()
  }

  /** Others' counts are unknown now: count only what this instance sees. */
  #forgetOthers(): void {
    for (const id of this.#mine.keys()) this.#othersAre(id, 0)
    this.#mine.clear()
  }
}
