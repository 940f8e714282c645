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
  #refreshing: { all: Promise<BalancerSnapshot>; choosable: Promise<void> } | undefined

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

  /** True when every configured server has been probed at least once (the cache may be stale). */
  isProbed(): boolean {
    const { store, servers, monitor } = this.parts
    return servers.config !== undefined && monitor.unprobed.size === 0 && store.meta.refreshedAt !== undefined
  }

  /**
   * Refreshes a stale cache, or probes just the servers a config change added. A choice waiting here
   * does not wait for servers already out: a hung server's probe takes its whole timeout, and its
   * answer could not make it a candidate yet (it must answer `probe.healthyAfter` times).
   */
  async ensureFresh(): Promise<void> {
    const { store, servers, monitor, clock } = this.parts
    await this.parts.ready()
    const refreshedAt = store.meta.refreshedAt
    if (refreshedAt === undefined || clock.now() - refreshedAt >= servers.settings().probe.cacheMs) {
      await this.parts.lifetime.live('refresh', () => this.#start().choosable)
    } else if (monitor.unprobed.size > 0) {
      // Servers added by a config change are probed before they can be chosen.
      await Promise.all([...monitor.unprobed].map((id) => monitor.probe(id)))
    }
  }

  /** Probes every server now (all in parallel) and waits for every answer. Concurrent calls share one refresh. */
  refresh(): Promise<BalancerSnapshot> {
    return this.parts.lifetime.live('refresh', () => this.#start().all)
  }

  #start(): { all: Promise<BalancerSnapshot>; choosable: Promise<void> } {
    if (this.#refreshing) return this.#refreshing
    const run = this.#refreshAll()
    const refreshing = {
      all: run
        .then((parts) => parts.all)
        .finally(() => {
          if (this.#refreshing === refreshing) this.#refreshing = undefined
        }),
      choosable: run.then((parts) => parts.choosable),
    }
    // Each caller awaits one of the two: a failed config load must not surface on the other as an
    // unhandled rejection.
    refreshing.all.catch(() => undefined)
    refreshing.choosable.catch(() => undefined)
    this.#refreshing = refreshing
    return refreshing
  }

  async #refreshAll(): Promise<{ all: Promise<BalancerSnapshot>; choosable: Promise<void> }> {
    const { store, servers, monitor, clock, shared, sockets, lifetime } = this.parts
    // Without an await first, probes start synchronously: in-flight counts stay exact.
    if (!servers.config) await this.parts.ready()
    sockets.openIfWanted(servers.settings())
    store.setMeta({ refreshing: true })
    void shared?.catchUp()
    const out = new Set(store.servers.filter((server) => server.health === 'unhealthy').map((s) => s.id))
    const probes = store.servers.map((server) => ({ id: server.id, done: monitor.probe(server.id) }))
    const choosable = Promise.all(probes.filter((p) => !out.has(p.id)).map((p) => p.done)).then(() => {
      if (!lifetime.ended) store.setMeta({ refreshing: false, refreshedAt: clock.now() })
    })
    const all = Promise.all([choosable, ...probes.map((p) => p.done)]).then(() => store.snapshot())
    return { all, choosable }
  }
}
