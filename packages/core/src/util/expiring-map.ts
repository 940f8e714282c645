import type { Clock } from '../contracts/clock.js'

interface Entry<V> {
  readonly value: V
  readonly expiresAt: number
}

/** Options of an {@link ExpiringMap}. */
export interface ExpiringMapOptions {
  /** The lifetime `set` gives an entry when it names none (ms). Default: no lapse. */
  readonly ttlMs?: number
  /** At most this many entries: setting one more drops the oldest first. Default: unbounded. */
  readonly maxEntries?: number
}

/**
 * A map whose entries lapse `ttlMs` after they were set, by an injected clock, so tests move time
 * exactly, and which can be bounded to `maxEntries` (the least recently set go first). An entry is
 * gone once `now >= expiresAt`, as a Redis key with `PX` is. Expired entries are dropped when read
 * and swept on writes, so memory stays bounded by the live entries.
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, Entry<V>>()
  readonly #ttlMs: number
  readonly #maxEntries: number
  #sweepAt = 16

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    options: ExpiringMapOptions = {},
  ) {
    this.#ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY
    this.#maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY
  }

  /** Live entries (expired ones are swept first). */
  get size(): number {
    this.#sweep()
    return this.#entries.size
  }

  get(key: K): V | undefined {
    return this.entry(key)?.value
  }

  has(key: K): boolean {
    return this.entry(key) !== undefined
  }

  /** The live entry with its expiry time (ms, on the clock). */
  entry(key: K): Entry<V> | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (this.clock.now() < entry.expiresAt) return entry
    this.#entries.delete(key)
    return undefined
  }

  /** Sets `key` for `ttlMs` (default: the map's), as the most recent entry. */
  set(key: K, value: V, ttlMs: number = this.#ttlMs): void {
    // Re-inserted, so insertion order stays the order of last setting: the oldest is always first.
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt: this.clock.now() + ttlMs })
    // Amortised: a sweep costs O(size) and runs only after the map doubled since the last one.
    if (this.#entries.size >= this.#sweepAt) {
      this.#sweep()
      this.#sweepAt = Math.max(16, this.#entries.size * 2)
    }
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break
      this.#entries.delete(oldest)
    }
  }

  delete(key: K): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  /** Live entries, least recently set first. */
  *entries(): IterableIterator<[K, Entry<V>]> {
    this.#sweep()
    yield* this.#entries
  }

  #sweep(): void {
    const now = this.clock.now()
    for (const [key, entry] of this.#entries) if (now >= entry.expiresAt) this.#entries.delete(key)
  }
}
