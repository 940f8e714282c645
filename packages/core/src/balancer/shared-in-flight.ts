import type { StateStore } from '../state/state-store.js'
import type { InFlightCounter } from './in-flight.js'
import type { SharedHost } from './shared-host.js'
import type { StoreBreaker } from './store-breaker.js'

/**
 * In-flight counts shared through the store: this instance's count per server goes out (batched per
 * microtask), and what the others have there comes back into each counter's `others`.
 */
export class SharedInFlight {
  /** What the store holds as this instance's count, per server. */
  readonly #mine = new Map<string, number>()
  readonly #dirty = new Set<string>()
  #syncQueued = false

  constructor(
    private readonly store: StateStore,
    private readonly breaker: StoreBreaker,
    private readonly host: Pick<SharedHost, 'ownerId' | 'counter' | 'inFlightChanged'>,
    private readonly ttlMs: () => number,
  ) {}

  /** This instance's count on a server changed: share it (batched per microtask). */
  localChanged(counter: InFlightCounter): void {
    if (this.breaker.closed) return
    this.#dirty.add(counter.serverId)
    if (this.#syncQueued) return
    this.#syncQueued = true
    queueMicrotask(() => {
      this.#syncQueued = false
      for (const id of this.#dirty) void this.#sync(id)
      this.#dirty.clear()
    })
  }

  /** Shares this instance's count on `id` now; resolves to the others' count there, if the store said. */
  reserve(id: string): Promise<number | undefined> {
    this.#dirty.delete(id)
    return this.#sync(id)
  }

  /** The counts every instance shared (read at catch-up): re-share this one's, take the others'. */
  caughtUp(inFlight: Readonly<Record<string, number>>): void {
    const ids = new Set([...Object.keys(inFlight), ...this.#mine.keys()])
    for (const id of ids) {
      const counter = this.host.counter(id)
      if (!counter) continue
      if (this.#mine.get(id) !== counter.count) this.localChanged(counter)
      this.#othersAre(id, (inFlight[id] ?? 0) - (this.#mine.get(id) ?? 0))
    }
  }

  /** Others' counts are unknown now: count only what this instance sees. */
  forgetOthers(): void {
    for (const id of this.#mine.keys()) this.#othersAre(id, 0)
    this.#mine.clear()
  }

  #sync(id: string): Promise<number | undefined> {
    const counter = this.host.counter(id)
    if (!counter || !this.breaker.usable) return Promise.resolve(undefined)
    const mine = counter.count
    if (mine === this.#mine.get(id)) return Promise.resolve(counter.others)
    this.#mine.set(id, mine)
    // Set, not added: a repeated or retried write (the store came back, say) never counts a job twice.
    return this.store.setInFlight(id, this.host.ownerId, mine, this.ttlMs()).then(
      (total) => {
        this.breaker.succeeded()
        this.#othersAre(id, total - mine)
        return Math.max(0, total - mine)
      },
      (error: unknown) => {
        // Unknown whether the store took it: the next change sets the count again.
        this.#mine.delete(id)
        this.breaker.failed('setInFlight', error)
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
}
