import {
  type Binding,
  createComfyBalancer,
  type LoadBalancer,
  leastExpectedWait,
  minQueue,
  originalStrategy,
  roundRobin,
  type Strategy,
} from 'comfy-balancer'
import type { PageConfig } from '../server/page-server.js'

const STRATEGIES: Record<string, () => Strategy> = {
  leastExpectedWait: () => leastExpectedWait(),
  minQueue: () => minQueue(),
  original: () => originalStrategy(),
  roundRobin: () => roundRobin(),
}

/**
 * The page's one balancer, in the browser: WebSocket pushes from every server, probes every 5 s.
 * `dispatcher` (the default) is late binding, `balancer.run()`'s own; a strategy name places each
 * job on arrival with that strategy (`binding: 'early'`), to compare.
 */
export function createPageBalancer(
  config: PageConfig,
  strategy: string,
): { balancer: LoadBalancer; binding: Binding } {
  const make = STRATEGIES[strategy]
  // Names as ids when they are distinct, so errors (NO_CAPABLE_SERVER) name servers as the page does.
  const names = new Set(config.servers.map((server) => server.name))
  const byName = names.size === config.servers.length
  const balancer = createComfyBalancer({
    config: {
      servers: config.servers.map((server) => ({
        url: server.url,
        name: server.name,
        weight: server.weight,
        ...(byName ? { id: server.name } : {}),
        ...(server.modelSlots === undefined ? {} : { modelSlots: server.modelSlots }),
      })),
      probe: { queueMode: 'ws', intervalMs: 5_000, cacheMs: 5_000 },
      jobs: { pollIntervalMs: 500 },
    },
    ...(make ? { strategy: make() } : { strategy: leastExpectedWait() }),
  })
  return { balancer, binding: strategy === 'dispatcher' ? 'late' : 'early' }
}
