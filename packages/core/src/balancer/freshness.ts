import type { BalancerParts } from './parts.js'
import type { BalancerSnapshot } from './snapshot.js'

type FreshnessParts = Pick<
  BalancerParts,
  'clock' | 'store' | 'servers' | 'monitor' | 'shared' | 'sockets' | 'lifetime' | 'ready'
>

/**
 * Keeps the cache of probe results fresh enough to choose from: warm while every server was probed
 * within `probe.cacheMs`; otherwise one refresh (shared by concurrent callers) probes them all.
 */
export class Freshness {
  #refreshing: Promise<BalancerSnapshot> | undefined

  constructor(private readonly parts: FreshnessParts) {}

  /** True when a choice can be made at once: config in force, every server probed, cache young. */
  isWarm(): boolean {
    const { store, servers, monitor, clock } = this.parts
    const config = servers.config
    const refreshedAt = store.meta.refreshedAt
    return (
      config !== undefined &&
      monitor.unprobed.size === 0 &&
      refreshedAt !== undefined &&
      clock.now() - refreshedAt < config.probe.cacheMs
    )
  }

  /** Refreshes a stale cache, or probes just the servers a config change added. */
  async ensureFresh(): Promise<void> {
    const { store, servers, monitor, clock } = this.parts
    await this.parts.ready()
    const refreshedAt = store.meta.refreshedAt
    if (refreshedAt === undefined || clock.now() - refreshedAt >= servers.settings().probe.cacheMs) {
      await this.refresh()
    } else if (monitor.unprobed.size > 0) {
      // Servers added by a config change are probed before they can be chosen.
      await Promise.all([...monitor.unprobed].map((id) => monitor.probe(id)))
    }
  }

  /**
   * Probes every server now (all in parallel). Concurrent calls share one refresh, which resolves
   * once every server not already unhealthy has answered or failed.
   */
  refresh(): Promise<BalancerSnapshot> {
    return this.parts.lifetime.live('refresh', () => {
      this.#refreshing ??= this.#refreshAll().finally(() => {
        this.#refreshing = undefined
      })
      return this.#refreshing
    })
  }

  async #refreshAll(): Promise<BalancerSnapshot> {
    const { store, servers, monitor, clock, shared, sockets, lifetime } = this.parts
    // Without an await first, probes start synchronously: in-flight counts stay exact.
    if (!servers.config) await this.parts.ready()
    sockets.openIfWanted(servers.settings())
    store.setMeta({ refreshing: true })
    void shared?.catchUp()
    // Every server is probed, but the refresh (and every choice waiting on it) does not wait for the
    // ones already out: a hung server's probe takes its whole timeout, and its answer could not make
    // it a candidate yet (it must answer `probe.healthyAfter` times). Its result lands when it comes.
    const probes = store.servers.map((server) => {
      const probed = monitor.probe(server.id)
      return server.health === 'unhealthy' ? undefined : probed
    })
    await Promise.all(probes)
    if (!lifetime.ended) store.setMeta({ refreshing: false, refreshedAt: clock.now() })
    return store.snapshot()
  }
}
