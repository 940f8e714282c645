import {
  createComfyBalancer,
  createDispatcher,
  type Dispatcher,
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

/** The page's one balancer, in the browser: WebSocket pushes from every server, probes every 5 s. */
export function createPageBalancer(
  config: PageConfig,
  strategy: string,
): { balancer: LoadBalancer; dispatcher?: Dispatcher } {
  const make = STRATEGIES[strategy]
  const balancer = createComfyBalancer({
    config: {
      servers: config.servers.map((server) => ({
        url: server.url,
        name: server.name,
        weight: server.weight,
      })),
      probe: { queueMode: 'ws', intervalMs: 5_000, cacheMs: 5_000 },
      jobs: { pollIntervalMs: 500 },
    },
    ...(make ? { strategy: make() } : { strategy: leastExpectedWait() }),
  })
  return strategy === 'dispatcher' ? { balancer, dispatcher: createDispatcher(balancer) } : { balancer }
}
