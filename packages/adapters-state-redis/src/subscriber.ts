import type { Logger, ProbeRecord, Unsubscribe } from '@comfy-balancer/core'
import type { Redis } from 'ioredis'
import { closeClient } from './close.js'
import { describe } from './connection.js'
import { decodeProbe } from './decode.js'

/**
 * The pub/sub side: one extra connection (a subscribed connection can run nothing else), opened with
 * the first probe listener and closed with the last. ioredis re-subscribes after a reconnection;
 * what was published meanwhile is missed, which `readProbes()` makes up for.
 */
export class ProbeSubscriber {
  readonly #listeners = new Set<(record: ProbeRecord) => void>()
  #client: Redis | undefined
  #closing: Promise<void> = Promise.resolve()
  #disposed = false

  constructor(
    private readonly channel: string,
    private readonly connect: () => Redis,
    private readonly logger: Logger,
  ) {}

  subscribe(listener: (record: ProbeRecord) => void): Unsubscribe {
    if (this.#disposed) return () => undefined
    // Wrapped, so the same function subscribed twice is two subscriptions, each stopped on its own.
    const entry = (record: ProbeRecord) => listener(record)
    this.#listeners.add(entry)
    if (this.#client === undefined) this.#open()
    return () => {
      if (!this.#listeners.delete(entry) || this.#listeners.size > 0) return
      this.#close()
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true
    this.#listeners.clear()
    this.#close()
    await this.#closing
  }

  #open(): void {
    const client = this.connect()
    this.#client = client
    client.on('error', (error: unknown) => {
      this.logger.debug('probe subscription: connection problem; it reconnects by itself', {
        error: describe(error),
      })
    })
    client.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.#deliver(message)
    })
    client.subscribe(this.channel).catch((error: unknown) => {
      // Until it succeeds (after a reconnection, ioredis retries it), publications are missed.
      this.logger.warn('probe subscription failed; probe results come from readProbes() only', {
        error: describe(error),
      })
    })
  }

  #close(): void {
    const client = this.#client
    if (client === undefined) return
    this.#client = undefined
    this.#closing = this.#closing.then(() => closeClient(client))
  }

  #deliver(message: string): void {
    const record = decodeProbe(message)
    if (record === undefined) {
      this.logger.debug('probe subscription: skipped a message that is not a probe record')
      return
    }
    for (const listener of [...this.#listeners]) {
      if (!this.#listeners.has(listener)) continue // stopped by an earlier listener
      try {
        // Each listener gets its own copy: one cannot change what another sees.
        listener(structuredClone(record))
      } catch (error) {
        this.logger.error('a probe listener threw; the store carried on', { error: describe(error) })
      }
    }
  }
}
