import { createLoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { startSimCluster } from '@comfy-balancer/testkit/sim'
import { heapAfterGc } from './heap.js'

/** One million (or `count`) selections on a warm balancer: heap before and after, time per call. */
export async function measureSelections(count: number): Promise<{
  selections: number
  beforeMb: number | null
  afterMb: number | null
  growthMb: number | null
  nsPerSelection: number
  spread: Record<string, number>
}> {
  const cluster = await startSimCluster([{ speed: 1 }, { speed: 1 }, { speed: 2 }, { speed: 4 }], {
    timeScale: 1,
  })
  const transport = createNodeTransport()
  const balancer = createLoadBalancer({
    config: { servers: [...cluster.urls], probe: { cacheMs: 86_400_000 } },
    fetch: transport.fetch,
    logger: silentLogger,
  })
  try {
    await balancer.refresh()
    const spread: Record<string, number> = {}
    // Warm up (JIT), then measure.
    for (let i = 0; i < 10_000; i++) await balancer.getOptimalServer()
    const beforeMb = heapAfterGc()
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      const url = await balancer.getOptimalServer()
      if (i % 1_000 === 0) spread[url] = (spread[url] ?? 0) + 1
    }
    const elapsed = performance.now() - start
    const afterMb = heapAfterGc()
    return {
      selections: count,
      beforeMb,
      afterMb,
      growthMb: beforeMb === null || afterMb === null ? null : Math.round((afterMb - beforeMb) * 100) / 100,
      nsPerSelection: Math.round((elapsed * 1e6) / count),
      spread,
    }
  } finally {
    balancer.dispose()
    await transport.close()
    await cluster.close()
  }
}
