import { createLoadBalancer, type LoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { type SimCluster, type SimServerSpec, startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterEach } from 'vitest'
import { createGateway, type Gateway, type GatewayOptions } from '../index.js'

/** A gateway on a free loopback port over a real simulated cluster, with its balancer in `ws` mode. */
export interface GatewayRig {
  readonly cluster: SimCluster
  readonly balancer: LoadBalancer
  readonly gateway: Gateway
  /** The gateway's URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Log lines the gateway wrote. */
  readonly lines: string[]
}

/** Starts rigs for the tests of the file that calls it; each is closed after its test. */
export function useGateway() {
  const live: GatewayRig[] = []
  const transport = createNodeTransport()
  afterEach(async () => {
    for (const rig of live.splice(0)) {
      await rig.gateway.close()
      rig.balancer.dispose()
      await rig.cluster.close()
    }
  })
  return async (
    specs: readonly SimServerSpec[] = [{}, {}, {}, {}],
    options: Partial<Omit<GatewayOptions, 'balancer'>> = {},
    timeScale = 0.05,
  ): Promise<GatewayRig> => {
    const cluster = await startSimCluster([...specs], { timeScale })
    const balancer = createLoadBalancer({
      config: { servers: [...cluster.urls], probe: { queueMode: 'ws' } },
      clock: cluster.clock,
      fetch: transport.fetch,
      webSocket: transport.webSocket,
      logger: silentLogger,
    })
    const lines: string[] = []
    const gateway = createGateway({ balancer, port: 0, log: (line) => lines.push(line), ...options })
    const url = await gateway.listen()
    await balancer.refresh()
    const rig = { cluster, balancer, gateway, url, lines }
    live.push(rig)
    return rig
  }
}
