/** Availability as core's `StateStoreStatus` reports it. */
export interface StatusUnderTest {
  readonly state: 'available' | 'unavailable'
  readonly reason?: string
}

/** Core's `ServerMarkInput`, structurally. */
export interface MarkUnderTest {
  readonly serverId: string
  readonly kind: 'failed' | 'ejected'
  readonly reason: string
  readonly ownerId: string
  readonly at: number
}

/** Core's `ProbeRecord`, structurally (`queue` is whatever core's `QueueState` allows). */
export interface ProbeUnderTest {
  readonly serverId: string
  readonly ownerId: string
  readonly startedAt: number
  readonly at: number
  readonly health: 'healthy' | 'unhealthy'
  readonly queue: unknown
  readonly latencyMs?: number
  readonly reason?: string
}

/**
 * What the suite needs of a store: the shape of core's `StateStore`, typed structurally so testkit
 * does not depend on core (core's own tests depend on testkit).
 */
export interface StateStoreUnderTest {
  readonly name: string
  readonly status: StatusUnderTest
  onStatus(listener: (status: StatusUnderTest) => void): () => void
  addInFlight(serverId: string, ownerId: string, delta: number, ttlMs: number): Promise<number>
  setInFlight(serverId: string, ownerId: string, count: number, ttlMs: number): Promise<number>
  readInFlight(): Promise<Readonly<Record<string, number>>>
  tryLock(lock: {
    readonly serverId: string
    readonly ownerId: string
    readonly ttlMs: number
  }): Promise<boolean>
  readLock(): Promise<
    { readonly serverId: string; readonly ownerId: string; readonly until: number } | undefined
  >
  releaseLock(ownerId: string): Promise<boolean>
  setMark(mark: MarkUnderTest, ttlMs: number): Promise<void>
  readMarks(): Promise<ReadonlyArray<MarkUnderTest & { readonly until: number }>>
  publishProbe(record: ProbeUnderTest, ttlMs: number): Promise<void>
  readProbes(): Promise<readonly ProbeUnderTest[]>
  subscribeProbes(listener: (record: ProbeUnderTest) => void): () => void
  tryLease(serverId: string, ownerId: string, ttlMs: number): Promise<boolean>
  setOwner(promptId: string, serverId: string, ttlMs: number): Promise<void>
  getOwner(promptId: string): Promise<string | undefined>
  deleteOwner(promptId: string): Promise<void>
  dispose(): Promise<void>
}

/** How the suite drives one kind of store. Only `create` is required. */
export interface StateStoreHarness<S extends StateStoreUnderTest = StateStoreUnderTest> {
  /** A store over fresh, empty shared state (a new key prefix, a new memory store). */
  create(): S | Promise<S>
  /**
   * Another instance over the same shared state as `store`, as a second app process would have
   * (a second Redis connection with the same prefix). Default: `store` itself, for stores that
   * share by being the same object, like the memory store.
   */
  peer?(store: S): S | Promise<S>
  /**
   * Moves the store's clock by exactly `ms` (e.g. `(ms) => clock.advance(ms)`): expiry is then
   * checked to the millisecond. Omit for stores on real time (Redis TTLs): expiry is then checked
   * with short TTLs and bounded polling.
   */
  advance?(ms: number): Promise<void>
  /** The store's clock, to check the `until` it reports. Default: `Date.now`. */
  now?(): number
  /** Releases what `create` and `peer` made. Default: `store.dispose()` for each. */
  dispose?(store: S): void | Promise<void>
  /** Real-time bound for every wait, in ms. Default 5 000. */
  readonly timeoutMs?: number
  /** Real time only: the TTL (ms) used where the suite waits for an entry to lapse. Default 60. */
  readonly shortTtlMs?: number
}
