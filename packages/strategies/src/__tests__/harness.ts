import { createLoadBalancer, type LoadBalancer, type Strategy } from '@comfy-balancer/core'
import { seededRandom, type TestClock } from '@comfy-balancer/testkit'
import { type MswCluster, type MswClusterHarness, useMswCluster } from '@comfy-balancer/testkit/msw'

let fileMsw: MswClusterHarness | undefined

/** Wires the file's msw server (testkit's `useMswCluster`); each test installs its own cluster. */
export function useMsw(): void {
  fileMsw = useMswCluster()
}

function msw(): MswClusterHarness {
  if (!fileMsw) throw new Error('call useMsw() at the top of the test file first')
  return fileMsw
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
  readonly cluster: MswCluster
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
  const cluster = msw().install(urls.map((url) => ({ url })))
  const clock = cluster.clock
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
