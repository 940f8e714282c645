import type { ProbeRecord } from '../state/records.js'
import type { StateStore } from '../state/state-store.js'
import { LEASE_FACTOR, type SharedHost } from './shared-host.js'
import type { StoreBreaker } from './store-breaker.js'

/**
 * Probing shared through the store: one instance per server holds a probe lease and publishes what
 * it found; the others keep the latest record of each server and use it instead of probing.
 */
export class SharedProbes {
  readonly #latest = new Map<string, ProbeRecord>()

  constructor(
    private readonly store: StateStore,
    private readonly breaker: StoreBreaker,
    private readonly host: Pick<SharedHost, 'clock' | 'ownerId' | 'config' | 'remoteProbe'>,
    private readonly ttlMs: () => number,
  ) {}

  /** Whether this instance should probe `id` now: it holds (or just took) the server's probe lease. */
  async mayProbe(id: string): Promise<boolean> {
    if (!this.breaker.usable) return true
    const interval = this.host.config()?.probe.intervalMs ?? 15_000
    try {
      const mine = await this.store.tryLease(id, this.host.ownerId, Math.round(interval * LEASE_FACTOR))
      this.breaker.succeeded()
      return mine
    } catch (error) {
      this.breaker.failed('tryLease', error)
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
    if (!this.breaker.usable) return
    this.store.publishProbe(record, this.ttlMs() * 2).then(
      () => this.breaker.succeeded(),
      (error: unknown) => this.breaker.failed('publishProbe', error),
    )
  }

  /** A record arrived (pushed or read at catch-up): keep it if it is another instance's and newer. */
  received(record: ProbeRecord): void {
    if (this.breaker.closed || record.ownerId === this.host.ownerId) return
    const known = this.#latest.get(record.serverId)
    if (known && (known.at > record.at || (known.at === record.at && known.startedAt >= record.startedAt)))
      return
    this.#latest.set(record.serverId, record)
    this.host.remoteProbe(record)
  }
}
