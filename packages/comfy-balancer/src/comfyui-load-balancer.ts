import { type LoadBalancer, minQueue, type ServerRef } from '@comfy-balancer/core'
import { lastProbeFailed, previewOptimal } from '@comfy-balancer/core/internal'
import { type ComfyBalancerOptions, createComfyBalancer } from './create-comfy-balancer.js'
import { type OriginalServerStats, toOriginalStats } from './original-stats.js'

/** The original design's load cache (ms). */
const ORIGINAL_CACHE_MS = 15_000

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

  readonly #cacheMs: number

  constructor(options: ComfyBalancerOptions) {
    this.balancer = createComfyBalancer(options)
    this.#cacheMs = options.config?.probe?.cacheMs ?? ORIGINAL_CACHE_MS
  }

  /** The base URL to send the next job to: min-queue with priority ties, locked for 30 s. */
  getOptimalServer(): Promise<string> {
    return this.balancer.getOptimalServer()
  }

  /**
   * The min-queue choice right now, ignoring the lock and without counting a job in flight (a
   * read): the candidate with the shortest queue (healthy, not held out, below its `maxQueue`), ties
   * to the lower priority; the primary when there is none. Probes every server first when no full
   * probe round has finished within the load cache time (`probe.cacheMs` of an inline config; the
   * original 15 s with a config source).
   */
  async selectServerByMinQueue(): Promise<string> {
    const snapshot = this.balancer.getSnapshot()
    const refreshedAt = snapshot.refreshedAt
    const stale =
      refreshedAt === undefined ||
      this.balancer.clock.now() - refreshedAt >= this.#cacheMs ||
      snapshot.servers.some((server) => server.health === 'unknown')
    const { lock: _ignored, ...unlocked } = stale ? await this.balancer.refresh() : snapshot
    const chosen = previewOptimal(unlocked, { now: this.balancer.clock.now(), strategy: minQueue() })
    return this.#urlOf(chosen?.id ?? unlocked.primaryId)
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

  /**
   * Per server: health, queue, in-flight, lock, latency, failures, in the original design's shape
   * (`failures` a count, `null` where unknown; `balancer.getServerStats()` has the engine's).
   */
  getServerStats(): OriginalServerStats[] {
    return this.balancer.getServerStats().map(toOriginalStats)
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
