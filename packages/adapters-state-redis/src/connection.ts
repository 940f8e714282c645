import {
  StateStoreError,
  type StateStoreOperation,
  type StateStoreStatus,
  type Unsubscribe,
} from '@comfy-balancer/core'
import { redactText } from '@comfy-balancer/core/internal'
import type { Redis } from 'ioredis'
import { closeClient } from './close.js'

/**
 * The command connection and what it says about availability. Operations run only while it is
 * ready, else reject at once with `StateStoreError`; the first connection attempt is the one
 * exception, awaited so that a store used right after creation works.
 */
export class Connection {
  #status: StateStoreStatus = { state: 'unavailable', reason: 'connecting' }
  readonly #listeners = new Set<(status: StateStoreStatus) => void>()
  /** Settles with the first connection attempt; undefined after. */
  #first: Promise<void> | undefined
  #disposed = false

  constructor(
    readonly client: Redis,
    readonly name: string,
    private readonly onListenerError: (error: unknown) => void,
  ) {
    this.#first = new Promise<void>((resolve, reject) => {
      client.once('ready', resolve)
      client.once('error', reject)
      client.once('close', () => reject(new Error('connection closed')))
    }).finally(() => {
      this.#first = undefined
    })
    // Only awaited by operations; an attempt nobody waits for must not surface as unhandled.
    this.#first.catch(() => undefined)
    client.on('ready', () => this.#set({ state: 'available' }))
    // Without an error listener, ioredis prints every failed reconnection attempt to stderr.
    client.on('error', (error: unknown) => this.#set({ state: 'unavailable', reason: describe(error) }))
    client.on('close', () => {
      if (this.#status.state === 'available') this.#set({ state: 'unavailable', reason: 'connection lost' })
    })
  }

  get status(): StateStoreStatus {
    return this.#status
  }

  onStatus(listener: (status: StateStoreStatus) => void): Unsubscribe {
    if (!this.#disposed) this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Runs `work` on the client, turning every failure into a `StateStoreError` naming `operation`. */
  async run<T>(operation: StateStoreOperation, work: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#disposed) throw new StateStoreError(this.name, operation, 'the store was disposed')
    if (this.#first !== undefined && this.client.status !== 'ready') {
      await this.#first.catch(() => undefined)
    }
    if (this.client.status !== 'ready') {
      const reason = this.#status.state === 'unavailable' ? this.#status.reason : 'not connected'
      throw new StateStoreError(this.name, operation, reason)
    }
    try {
      return await work(this.client)
    } catch (error) {
      throw new StateStoreError(this.name, operation, describe(error), { cause: sanitized(error) })
    }
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#listeners.clear()
    this.#status = { state: 'unavailable', reason: 'the store was disposed' }
    await closeClient(this.client)
  }

  /** Keeps the latest reason; tells listeners only when the state itself changes. */
  #set(next: StateStoreStatus): void {
    if (this.#disposed) return
    const changed = next.state !== this.#status.state
    this.#status = next
    if (!changed) return
    for (const listener of [...this.#listeners]) {
      try {
        listener(next)
      } catch (error) {
        this.onListenerError(error)
      }
    }
  }
}

/** An error's message, redacted: ioredis messages can quote what was sent. */
export function describe(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error)) || 'unknown error'
}

/**
 * A copy of an ioredis error with a redacted message and no command arguments (an `AUTH` reply
 * error carries the password it sent), safe to keep as `cause`.
 */
function sanitized(error: unknown): Error {
  const copy = new Error(describe(error))
  if (error instanceof Error) copy.name = error.name
  return copy
}
