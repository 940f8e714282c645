import { type Clock, systemClock } from '../contracts/clock.js'
import type { Unsubscribe } from '../contracts/config-source.js'
import { consoleLogger, type Logger } from '../contracts/logger.js'
import { StateStoreError, type StateStoreOperation } from '../errors/state-errors.js'
import { ExpiringMap } from '../util/expiring-map.js'
import { checkStateCount, checkStateDelta, checkStateId, checkStateTtl } from './arguments.js'
import type {
  LockRequest,
  ProbeRecord,
  ServerMark,
  ServerMarkInput,
  SharedLock,
  StateStoreStatus,
} from './records.js'
import type { StateStore } from './state-store.js'

/** Options for {@link createMemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /** Decides when entries lapse. Default: the system clock; inject a test clock to expire exactly. */
  readonly clock?: Clock
  /** Where a throwing probe listener is reported. Default: warnings and errors to the console. */
  readonly logger?: Logger
}

const AVAILABLE: StateStoreStatus = { state: 'available' }
const LOCK = 'lock'

/**
 * A {@link StateStore} held in this process's memory: the default. Balancers created with the same
 * instance share it (several balancers in one process), and it is always available. Entries lapse
 * exactly by the injected clock, with no timers, so it needs no cleanup beyond dropping it.
 *
 * @example
 * ```ts
 * import { createMemoryStateStore } from '@comfy-balancer/core'
 * import { createTestClock } from '@comfy-balancer/testkit'
 *
 * const clock = createTestClock()
 * const store = createMemoryStateStore({ clock })
 * await store.tryLease('gpu-a', 'instance-1', 15_000) // true: instance-1 probes gpu-a
 * await store.tryLease('gpu-a', 'instance-2', 15_000) // false
 * await clock.advance(15_000)
 * await store.tryLease('gpu-a', 'instance-2', 15_000) // true: the lease lapsed
 * ```
 */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): StateStore {
  return new MemoryStateStore(options.clock ?? systemClock, options.logger ?? consoleLogger('warn'))
}

class MemoryStateStore implements StateStore {
  readonly name = 'memory'
  #status: StateStoreStatus = AVAILABLE
  readonly #inFlight = new Map<string, ExpiringMap<string, number>>()
  readonly #lock: ExpiringMap<typeof LOCK, Omit<SharedLock, 'until'>>
  readonly #marks: ExpiringMap<string, ServerMarkInput>
  readonly #probes: ExpiringMap<string, ProbeRecord>
  readonly #leases: ExpiringMap<string, string>
  readonly #owners: ExpiringMap<string, string>
  readonly #probeListeners = new Set<(record: ProbeRecord) => void>()

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#lock = new ExpiringMap(clock)
    this.#marks = new ExpiringMap(clock)
    this.#probes = new ExpiringMap(clock)
    this.#leases = new ExpiringMap(clock)
    this.#owners = new ExpiringMap(clock)
  }

  get status(): StateStoreStatus {
    return this.#status
  }

  onStatus(_listener: (status: StateStoreStatus) => void): Unsubscribe {
    // Memory never becomes unavailable while it is used; after dispose nobody is told anything.
    return () => undefined
  }

  async addInFlight(serverId: string, ownerId: string, delta: number, ttlMs: number): Promise<number> {
    this.#live('addInFlight')
    checkStateId(serverId, 'serverId')
    checkStateId(ownerId, 'ownerId')
    checkStateDelta(delta)
    checkStateTtl(ttlMs)
    let owners = this.#inFlight.get(serverId)
    if (owners === undefined) {
      owners = new ExpiringMap(this.clock)
      this.#inFlight.set(serverId, owners)
    }
    const next = Math.max(0, (owners.get(ownerId) ?? 0) + delta)
    if (next === 0) owners.delete(ownerId)
    else owners.set(ownerId, next, ttlMs)
    const total = sum(owners)
    if (total === 0) this.#inFlight.delete(serverId)
    return total
  }

  async setInFlight(serverId: string, ownerId: string, count: number, ttlMs: number): Promise<number> {
    this.#live('setInFlight')
    checkStateId(serverId, 'serverId')
    checkStateId(ownerId, 'ownerId')
    checkStateCount(count)
    checkStateTtl(ttlMs)
    const current = this.#inFlight.get(serverId)?.get(ownerId) ?? 0
    return this.addInFlight(serverId, ownerId, count - current, ttlMs)
  }

  async readInFlight(): Promise<Readonly<Record<string, number>>> {
    this.#live('readInFlight')
    const totals: Record<string, number> = {}
    for (const [serverId, owners] of this.#inFlight) {
      const total = sum(owners)
      if (total > 0) totals[serverId] = total
      else this.#inFlight.delete(serverId)
    }
    return totals
  }

  async tryLock(lock: LockRequest): Promise<boolean> {
    this.#live('tryLock')
    checkStateId(lock.serverId, 'serverId')
    checkStateId(lock.ownerId, 'ownerId')
    checkStateTtl(lock.ttlMs)
    if (this.#lock.entry(LOCK) !== undefined) return false
    this.#lock.set(LOCK, { serverId: lock.serverId, ownerId: lock.ownerId }, lock.ttlMs)
    return true
  }

  async readLock(): Promise<SharedLock | undefined> {
    this.#live('readLock')
    const entry = this.#lock.entry(LOCK)
    return entry && { ...entry.value, until: entry.expiresAt }
  }

  async releaseLock(ownerId: string): Promise<boolean> {
    this.#live('releaseLock')
    checkStateId(ownerId, 'ownerId')
    if (this.#lock.get(LOCK)?.ownerId !== ownerId) return false
    this.#lock.delete(LOCK)
    return true
  }

  async setMark(mark: ServerMarkInput, ttlMs: number): Promise<void> {
    this.#live('setMark')
    checkStateId(mark.serverId, 'serverId')
    checkStateId(mark.ownerId, 'ownerId')
    checkStateTtl(ttlMs)
    // Keyed by server and kind: a server can be failed and ejected at once, each lapsing on its own.
    this.#marks.set(JSON.stringify([mark.serverId, mark.kind]), copy(mark), ttlMs)
  }

  async readMarks(): Promise<readonly ServerMark[]> {
    this.#live('readMarks')
    return [...this.#marks.entries()].map(([, entry]) => ({ ...copy(entry.value), until: entry.expiresAt }))
  }

  async publishProbe(record: ProbeRecord, ttlMs: number): Promise<void> {
    this.#live('publishProbe')
    checkStateId(record.serverId, 'serverId')
    checkStateId(record.ownerId, 'ownerId')
    checkStateTtl(ttlMs)
    // Through JSON, as a remote store would: what a listener gets is what Redis would give it.
    const stored = copy(record)
    this.#probes.set(record.serverId, stored, ttlMs)
    const listeners = [...this.#probeListeners]
    // Delivered after the publisher resumes, as over a network: no re-entrancy into its code.
    queueMicrotask(() => {
      for (const listener of listeners) this.#deliver(listener, stored)
    })
  }

  async readProbes(): Promise<readonly ProbeRecord[]> {
    this.#live('readProbes')
    return [...this.#probes.entries()].map(([, entry]) => copy(entry.value))
  }

  subscribeProbes(listener: (record: ProbeRecord) => void): Unsubscribe {
    if (this.#status.state === 'available') this.#probeListeners.add(listener)
    return () => {
      this.#probeListeners.delete(listener)
    }
  }

  async tryLease(serverId: string, ownerId: string, ttlMs: number): Promise<boolean> {
    this.#live('tryLease')
    checkStateId(serverId, 'serverId')
    checkStateId(ownerId, 'ownerId')
    checkStateTtl(ttlMs)
    const holder = this.#leases.get(serverId)
    if (holder !== undefined && holder !== ownerId) return false
    this.#leases.set(serverId, ownerId, ttlMs)
    return true
  }

  async setOwner(promptId: string, serverId: string, ttlMs: number): Promise<void> {
    this.#live('setOwner')
    checkStateId(promptId, 'promptId')
    checkStateId(serverId, 'serverId')
    checkStateTtl(ttlMs)
    this.#owners.set(promptId, serverId, ttlMs)
  }

  async getOwner(promptId: string): Promise<string | undefined> {
    this.#live('getOwner')
    checkStateId(promptId, 'promptId')
    return this.#owners.get(promptId)
  }

  async deleteOwner(promptId: string): Promise<void> {
    this.#live('deleteOwner')
    checkStateId(promptId, 'promptId')
    this.#owners.delete(promptId)
  }

  async dispose(): Promise<void> {
    this.#status = { state: 'unavailable', reason: 'the store was disposed' }
    this.#probeListeners.clear()
    this.#inFlight.clear()
    for (const map of [this.#lock, this.#marks, this.#probes, this.#leases, this.#owners]) map.clear()
  }

  #deliver(listener: (record: ProbeRecord) => void, record: ProbeRecord): void {
    if (!this.#probeListeners.has(listener)) return
    try {
      listener(copy(record))
    } catch (error) {
      // One subscriber's bug must not keep the others from hearing about the probe.
      this.logger.error('a probe listener threw; the store carried on', {
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  #live(operation: StateStoreOperation): void {
    if (this.#status.state !== 'available') {
      throw new StateStoreError(this.name, operation, this.#status.reason)
    }
  }
}

function sum(owners: ExpiringMap<string, number>): number {
  let total = 0
  for (const [, entry] of owners.entries()) total += entry.value
  return total
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}
