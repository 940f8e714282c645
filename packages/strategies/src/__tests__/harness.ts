import { createLoadBalancer, type LoadBalancer, type Strategy } from '@comfy-balancer/core'
import { createTestClock, seededRandom, type TestClock } from '@comfy-balancer/testkit'
import { createMswCluster } from '@comfy-balancer/testkit/msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'

/** One msw server per file; each test installs its own simulated cluster. */
const server = setupServer()

export function useMsw(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => server.resetHandlers())
  afterAll(() => server.close())
}

export const URLS = [
  'http://gpu-a.test:8188',
  'http://gpu-b.test:8188',
  'http://gpu-c.test:8188',
  'http://gpu-d.test:8188',
]

export interface Rig {
  readonly clock: TestClock
  readonly balancer: LoadBalancer
  readonly cluster: ReturnType<typeof createMswCluster>
  /** Queues `jobs` long prompts on the server at `url`, so its probed queue length is `jobs`. */
  fill(url: string, jobs: number): void
  /** Chooses `n` times (each choice counts in flight until the next probe) and returns the URLs. */
  pick(n: number): Promise<string[]>
}

/** A real LoadBalancer with `strategy` over simulated servers, on a test clock. */
export function rig(
  strategy: Strategy,
  config: Record<string, unknown> = {},
  urls: readonly string[] = URLS,
): Rig {
  const clock = createTestClock()
  const cluster = createMswCluster(
    urls.map((url) => ({ url })),
    clock,
  )
  server.resetHandlers(...cluster.handlers)
  const balancer = createLoadBalancer({
    config: { servers: [...urls], ...config },
    strategy,
    clock,
    random: seededRandom(21),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  })
  return {
    clock,
    balancer,
    cluster,
    fill(url, jobs) {
      for (let i = 0; i < jobs; i++) {
        cluster.model(url).submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 3_600_000 } } } })
      }
    },
    async pick(n) {
      const urls: string[] = []
      for (let i = 0; i < n; i++) urls.push(await balancer.getOptimalServer())
      return urls
    },
  }
}
