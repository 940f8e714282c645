import type { Logger } from '../contracts/logger.js'
import type { ServerSnapshot } from '../contracts/server.js'
import type { ServerLock } from '../contracts/strategy.js'
import { checkListenerCount } from './listener-limit.js'
import type { BalancerSnapshot } from './snapshot.js'

type Meta = Omit<BalancerSnapshot, 'servers' | 'version'>

/**
 * Holds the balancer's state. Servers are immutable snapshots replaced on change; the combined
 * {@link BalancerSnapshot} is built lazily and listeners are told once per microtask batch, so a
 * burst of selections costs one notification.
 */
export class BalancerStore {
  #servers: ServerSnapshot[] = []
  #index = new Map<string, number>()
  #meta: Meta
  #snapshot: BalancerSnapshot | undefined
  #version = 0
  #listeners = new Set<() => void>()
  #notifyQueued = false

  readonly #warned = { value: false }

  constructor(
    meta: Meta,
    private readonly onListenerError: (error: unknown) => void,
    private readonly logger: Logger,
  ) {
    this.#meta = meta
  }

  get servers(): readonly ServerSnapshot[] {
    return this.#servers
  }

  get meta(): Meta {
    return this.#meta
  }

  get(id: string): ServerSnapshot | undefined {
    const at = this.#index.get(id)
    return at === undefined ? undefined : this.#servers[at]
  }

  /** Replaces one server's snapshot through `change`; a no-op when `change` returns the same object. */
  update(id: string, change: (server: ServerSnapshot) => ServerSnapshot): ServerSnapshot | undefined {
    const at = this.#index.get(id)
    if (at === undefined) return undefined
    const before = this.#servers[at]!
    const after = change(before)
    if (after !== before) {
      this.#servers[at] = after
      this.#changed()
    }
    return after
  }

  replaceServers(servers: readonly ServerSnapshot[], primaryId: string): void {
    this.#servers = [...servers]
    this.#index = new Map(servers.map((server, at) => [server.id, at]))
    this.setMeta({ primaryId })
    this.#changed()
  }

  setMeta(patch: Partial<Meta>): void {
    let changed = false
    for (const [key, value] of Object.entries(patch) as [keyof Meta, unknown][]) {
      if (this.#meta[key] !== value) changed = true
    }
    if (!changed) return
    const next = { ...this.#meta, ...patch } as Record<string, unknown>
    for (const key of Object.keys(patch)) if (next[key] === undefined) delete next[key]
    this.#meta = next as unknown as Meta
    this.#changed()
  }

  setLock(lock: ServerLock | undefined): void {
    this.setMeta({ lock } as Partial<Meta>)
  }

  snapshot(): BalancerSnapshot {
    if (!this.#snapshot) {
      this.#version += 1
      this.#snapshot = { ...this.#meta, servers: [...this.#servers], version: this.#version }
    }
    return this.#snapshot
  }

  subscribe(listener: () => void): () => void {
    checkListenerCount(this.#listeners.size, 'snapshot', this.logger, this.#warned)
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  clearListeners(): void {
    this.#listeners.clear()
  }

  #changed(): void {
    this.#snapshot = undefined
    if (this.#notifyQueued || this.#listeners.size === 0) return
    this.#notifyQueued = true
    queueMicrotask(() => {
      this.#notifyQueued = false
      for (const listener of [...this.#listeners]) {
        try {
          listener()
        } catch (error) {
          // A UI listener's bug must not stop the others from hearing about the change.
          this.onListenerError(error)
        }
      }
    })
  }
}
