import {
  type LoadBalancer,
  lastProbeFailed,
  minQueue,
  type ServerRef,
  type ServerStats,
} from '@comfy-balancer/core'
import { type ComfyBalancerOptions, createComfyBalancer } from './create-comfy-balancer.js'

/** What `getServerQueueInfo` returns: the server's queue as just probed. */
export interface ServerQueueInfo {
  readonly running: number
  readonly pending: number
  readonly total: number
}

/**
 * The original design's class, method for method, on top of the new engine. An app that called
 * `loadBalancer.getOptimalServer()` keeps doing exactly that. Everything else the engine offers is
 * on `.balancer`.
 *
 * @example
 * ```ts
 * const loadBalancer = new ComfyUILoadBalancer({ config: { servers: [primaryUrl, ...backupUrls] } })
 * async function getApiBaseUrl() {
 *   return await loadBalancer.getOptimalServer()
 * }
 * ```
 */
export class ComfyUILoadBalancer {
  /** The engine underneath: events, snapshots, acquire/release, start/stop. */
  readonly balancer: LoadBalancer

  constructor(options: ComfyBalancerOptions) {
    this.balancer = createComfyBalancer(options)
  }

  /** The base URL to send the next job to: min-queue with priority ties, locked for 30 s. */
  getOptimalServer(): Promise<string> {
    return this.balancer.getOptimalServer()
  }

  /**
   * The min-queue choice right now, ignoring the lock and without counting a job in flight (a
   * read): the healthy server with the shortest queue, ties to the lower priority; the primary
   * when none is healthy. Refreshes loads first when the cache is stale.
   */
  async selectServerByMinQueue(): Promise<string> {
    const snapshot = this.balancer.getSnapshot()
    const stale = snapshot.refreshedAt === undefined || snapshot.servers.some((s) => s.health === 'unknown')
    const current = stale ? await this.balancer.refresh() : snapshot
    const healthy = current.servers.filter((server) => server.health === 'healthy')
    const chosen = minQueue().select(healthy, { now: 0, random: () => 0 })
    const primary = current.servers.find((server) => server.id === current.primaryId)
    return this.#urlOf((chosen ?? primary)?.id)
  }

  /** Probes every server now (health and queue, in parallel). */
  async updateServerLoads(): Promise<void> {
    await this.balancer.refresh()
  }

  /**
   * Probes one configured server now; true when it answered `/system_stats` this time. (Whether the
   * balancer sends it work also depends on the thresholds: `getServerStats()` says.)
   */
  async checkServerHealth(server: ServerRef): Promise<boolean> {
    return !lastProbeFailed(await this.balancer.probe(server))
  }

  /** Probes one configured server now and returns its queue, or null when it could not be read. */
  async getServerQueueInfo(server: ServerRef): Promise<ServerQueueInfo | null> {
    const { queue } = await this.balancer.probe(server)
    if (queue === 'unknown' || !queue.known) return null
    return { running: queue.running, pending: queue.pending, total: queue.running + queue.pending }
  }

  /** Marks a server unhealthy after a failed job; it is unlocked and re-probed with backoff. */
  recordFailure(server: ServerRef, error?: unknown): void {
    this.balancer.recordFailure(server, error)
  }

  /** Per server: health, queue, in-flight, lock, latency, failures. */
  getServerStats(): ServerStats[] {
    return this.balancer.getServerStats()
  }

  /** Background probing (reference-counted), as `balancer.start()`. */
  start(): void {
    this.balancer.start()
  }

  stop(): void {
    this.balancer.stop()
  }

  dispose(): void {
    this.balancer.dispose()
  }

  #urlOf(id: string | undefined): string {
    return this.balancer.serverUrl(id ?? this.balancer.getSnapshot().primaryId)
  }
}
