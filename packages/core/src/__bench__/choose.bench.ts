import { createTestClock, seededRandom } from '@comfy-balancer/testkit'
import { createMswCluster } from '@comfy-balancer/testkit/msw'
import { setupServer } from 'msw/node'
import { afterAll, bench, describe } from 'vitest'
import { createLoadBalancer, type LoadBalancer, silentLogger } from '../index.js'

const server = setupServer()
server.listen({ onUnhandledRequest: 'error' })
afterAll(() => server.close())

/** A balancer over `n` simulated servers with a warm cache: the clock never moves, so no probe runs. */
async function warmBalancer(n: number): Promise<LoadBalancer> {
  const clock = createTestClock()
  const specs = Array.from({ length: n }, (_, i) => ({ url: `http://gpu-${i}.bench.test:8188` }))
  const cluster = createMswCluster(specs, clock)
  server.use(...cluster.handlers)
  const balancer = createLoadBalancer({
    config: { servers: specs.map((s) => s.url) },
    clock,
    random: seededRandom(42),
    logger: silentLogger,
  })
  await balancer.refresh()
  return balancer
}

/** Choices per bench iteration: amortises tinybench's own per-iteration cost (~0.5 µs). */
const BATCH = 1_000

for (const n of [10, 100, 1_000]) {
  describe(`getOptimalServer() on a warm cache, ${n} servers (choices/s = hz × ${BATCH})`, async () => {
    const balancer = await warmBalancer(n)
    bench(
      `${n} servers × ${BATCH} choices`,
      async () => {
        for (let i = 0; i < BATCH; i++) await balancer.getOptimalServer()
      },
      { time: 2_000 },
    )
  })
}
