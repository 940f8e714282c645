import type { LoadBalancer, ServerStats } from '@comfy-balancer/core'

/** What `installConsoleTools` adds to the target (usually `window`). */
export interface ConsoleTools {
  /** The balancer itself: `loadBalancer.getServerStats()`, `await loadBalancer.getOptimalServer()`. */
  readonly loadBalancer: ConsoleLoadBalancer
  /** Probes every server, prints their stats as a table and the server chosen now. */
  testLoadBalancer(): Promise<{ optimal: string; stats: ServerStats[] }>
  /**
   * Marks the currently chosen server failed, prints which server is chosen instead, then probes
   * again so the marked server is re-admitted if it is really up.
   */
  testServerFailover(): Promise<{ failed: string; next: string }>
}

/** The console face of a balancer: the original design's two calls, each also printing a table. */
export interface ConsoleLoadBalancer {
  getServerStats(): ServerStats[]
  getOptimalServer(): Promise<string>
  readonly balancer: LoadBalancer
}

interface Printer {
  log(...args: unknown[]): void
  table(data: unknown): void
}

function rows(stats: readonly ServerStats[]) {
  return stats.map((s) => ({
    id: s.id,
    name: s.name,
    health: s.health,
    queue: s.queue ?? 'unknown',
    inFlight: s.inFlight,
    locked: s.locked,
    'latency ms': s.latencyMs === undefined ? '' : Math.round(s.latencyMs),
    'job ms': s.jobMs === undefined ? '' : Math.round(s.jobMs),
    failures: s.failureCount,
    'last failure': s.lastFailure?.reason ?? '',
  }))
}

/**
 * The original design's browser console helpers: after `installConsoleTools(window, balancer)`,
 * `await window.testLoadBalancer()`, `await window.testServerFailover()`,
 * `window.loadBalancer.getServerStats()` and `await window.loadBalancer.getOptimalServer()` each
 * print a readable table. URLs in the tables are redacted. Returns a function that removes them.
 *
 * @example
 * ```ts
 * if (import.meta.env.DEV) installConsoleTools(window, balancer)
 * ```
 */
export function installConsoleTools(
  target: object,
  balancer: LoadBalancer,
  printer: Printer = console,
): () => void {
  const loadBalancer: ConsoleLoadBalancer = {
    balancer,
    getServerStats() {
      const stats = balancer.getServerStats()
      printer.table(rows(stats))
      return stats
    },
    async getOptimalServer() {
      const url = await balancer.getOptimalServer()
      printer.log(`optimal server: ${chosenId(balancer, url)}`)
      return url
    },
  }
  const tools: ConsoleTools = {
    loadBalancer,
    async testLoadBalancer() {
      await balancer.refresh()
      const stats = balancer.getServerStats()
      printer.table(rows(stats))
      const optimal = await balancer.getOptimalServer()
      printer.log(`optimal server: ${chosenId(balancer, optimal)}`)
      return { optimal, stats }
    },
    async testServerFailover() {
      const lease = await balancer.acquire()
      lease.release()
      balancer.recordFailure(lease.server, 'testServerFailover: marked failed from the console')
      const next = await balancer.getOptimalServer()
      printer.log(`marked ${lease.server.id} failed; now choosing ${chosenId(balancer, next)}`)
      printer.table(rows(balancer.getServerStats()))
      // Give the marked server its chance to come back at once if it is really healthy.
      await balancer.probe(lease.server)
      return { failed: lease.server.id, next }
    },
  }
  Object.assign(target, tools)
  return () => {
    for (const key of Object.keys(tools)) delete (target as Record<string, unknown>)[key]
  }
}

function chosenId(balancer: LoadBalancer, url: string): string {
  const server = balancer.getSnapshot().servers.find((s) => balancer.serverUrl(s.id) === url)
  return server ? `${server.name} (${server.url})` : '(unknown)'
}
