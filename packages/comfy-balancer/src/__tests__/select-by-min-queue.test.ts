import { seededRandom } from '@comfy-balancer/testkit'
import { useMswCluster } from '@comfy-balancer/testkit/msw'
import { describe, expect, it } from 'vitest'
import { ComfyUILoadBalancer, silentLogger } from '../index.js'

const [A, B, C] = ['http://primary.test:8188', 'http://backup-1.test:8188', 'http://backup-2.test:8188']
const msw = useMswCluster()

function setup(servers: ReadonlyArray<{ url: string; maxQueue?: number }>, cacheMs?: number) {
  const cluster = msw.install(servers.map(({ url }) => ({ url })))
  const loadBalancer = new ComfyUILoadBalancer({
    config: { servers: [...servers], ...(cacheMs === undefined ? {} : { probe: { cacheMs } }) },
    clock: cluster.clock,
    random: seededRandom(1),
    logger: silentLogger,
  })
  const fill = (url: string, n: number) => {
    for (let i = 0; i < n; i++)
      cluster.model(url).submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 3_600_000 } } } })
  }
  return { cluster, loadBalancer, fill }
}

describe('selectServerByMinQueue', () => {
  it('skips a server whose queue reached its maxQueue', async () => {
    const { loadBalancer, fill } = setup([{ url: A }, { url: B, maxQueue: 1 }, { url: C }])
    fill(A, 3)
    fill(B, 1)
    fill(C, 2)
    expect(await loadBalancer.selectServerByMinQueue()).toBe(C)
  })

  it('probes again once the load cache time has passed, and not before', async () => {
    const { cluster, loadBalancer, fill } = setup([{ url: A }, { url: B }], 5_000)
    fill(A, 1)
    expect(await loadBalancer.selectServerByMinQueue()).toBe(B)
    const probes = () => cluster.model(B).requestCounts.prompt
    const before = probes()
    fill(B, 3)
    await cluster.clock.advance(4_999)
    expect(await loadBalancer.selectServerByMinQueue()).toBe(B) // still within the cache: no probe
    expect(probes()).toBe(before)
    await cluster.clock.advance(1)
    expect(await loadBalancer.selectServerByMinQueue()).toBe(A) // stale: probed, B's queue is seen
    expect(probes()).toBeGreaterThan(before)
  })
})
