import { type SimCluster, type SimServerSpec, startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterEach } from 'vitest'
import { type BalancerConfigInput, createLoadBalancer, type LoadBalancer, silentLogger } from '../index.js'
import { createNodeTransport } from '../node.js'

/**
 * Balancers in `ws` mode over real simulated clusters (a clock 20× faster than the wall clock),
 * disposed and closed after each test of the file that calls this.
 */
export function useSimBalancer() {
  const transport = createNodeTransport()
  const live: Array<{ cluster: SimCluster; balancer: LoadBalancer }> = []
  afterEach(async () => {
    for (const { balancer, cluster } of live.splice(0)) {
      balancer.dispose()
      await cluster.close()
    }
  })
  return async (
    specs: readonly SimServerSpec[],
    /** Config over the default (every server, `ws` mode), given the servers' URLs. */
    config: (urls: readonly string[]) => Partial<BalancerConfigInput> = () => ({}),
  ) => {
    const cluster = await startSimCluster([...specs], { timeScale: 0.05 })
    const balancer = createLoadBalancer({
      config: { servers: [...cluster.urls], probe: { queueMode: 'ws' }, ...config(cluster.urls) },
      clock: cluster.clock,
      fetch: transport.fetch,
      webSocket: transport.webSocket,
      logger: silentLogger,
    })
    live.push({ cluster, balancer })
    return { cluster, balancer }
  }
}
