import type { Clock } from '../contracts/clock.js'

interface Entry<V> {
  readonly value: V
  readonly expiresAt: number
}

/**
 * A map whose entries lapse `ttlMs` after they were set, by an injected clock, so tests move time
 * exactly. An entry is gone once `now >= expiresAt`, as a Redis key with `PX` is. Expired entries
 * are dropped when read and swept on writes, so memory stays bounded by the live entries.
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, Entry<V>>()
  #sweepAt = 16

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  get(key: K): V | undefined {
    return this.entry(key)?.value
  }

  /** The live entry with its expiry time (ms, on the clock). */
  entry(key: K): Entry<V> | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (this.clock.now() < entry.expiresAt) return entry
    this.#entries.delete(key)
    return undefined
  }

  set(key: K, value: V, ttlMs: number): void {
    this.#entries.set(key, { value, expiresAt: this.clock.now() + ttlMs })
    // Amortised: a sweep costs O(size) and runs only after the map doubled since the last one.
    if (this.#entries.size >= this.#sweepAt) {
      this.#sweep()
      this.#sweepAt = Math.max(16, this.#entries.size * 2)
    }
  }

  delete(key: K): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  /** Live entries, in insertion order. */
  *entries(): IterableIterator<[K, Entry<V>]> {
    this.#sweep()
    yield* this.#entries
  }

  #sweep(): void {
    const now = this.clock.now()
    for (const [key, entry] of this.#entries) if (now >= entry.expiresAt) this.#entries.delete(key)
  }
}
