import { seededRandom } from '@comfy-balancer/testkit'
import { useMswCluster } from '@comfy-balancer/testkit/msw'
import { describe, expect, it } from 'vitest'
import { ComfyUILoadBalancer, createComfyBalancer, DEFAULT_PROBE_SETTINGS, silentLogger } from '../index.js'

const msw = useMswCluster()

const [A, B, C] = ['http://primary.test:8188', 'http://backup-1.test:8188', 'http://backup-2.test:8188']

function setup() {
  const cluster = msw.install([{ url: A }, { url: B }, { url: C }])
  const clock = cluster.clock
  const loadBalancer = new ComfyUILoadBalancer({
    config: {
      servers: [
        { url: A, priority: 0 },
        { url: B, priority: 2 },
        { url: C, priority: 1 },
      ],
    },
    clock,
    random: seededRandom(1),
    logger: silentLogger,
  })
  const fill = (url: string, n: number) => {
    for (let i = 0; i < n; i++) {
      cluster.model(url).submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 3_600_000 } } } })
    }
  }
  return { clock, cluster, loadBalancer, fill }
}

describe('the original design, unchanged for the app', () => {
  it('getApiBaseUrl() works as before: min-queue, priority ties, a 30 s lock', async () => {
    const { loadBalancer, fill, clock } = setup()
    async function getApiBaseUrl() {
      return await loadBalancer.getOptimalServer()
    }
    fill(A, 3)
    expect(await getApiBaseUrl()).toBe(C)
    expect(await getApiBaseUrl()).toBe(C)
    await clock.advance(29_000)
    expect(await getApiBaseUrl()).toBe(C)
    expect(loadBalancer.getServerStats().find((s) => s.id === 'backup-2.test:8188')?.locked).toBe(true)
  })

  it('a failed server is unlocked and the next call fails over', async () => {
    const { loadBalancer, fill, cluster } = setup()
    fill(A, 3)
    expect(await loadBalancer.getOptimalServer()).toBe(C)
    cluster.model(C).setFault({ kind: 'refuse' })
    loadBalancer.recordFailure(C, new Error('fetch failed'))
    expect(await loadBalancer.getOptimalServer()).toBe(B)
    const stats = loadBalancer.getServerStats()
    expect(stats.map((s) => [s.id, s.healthy, s.locked])).toEqual([
      ['primary.test:8188', true, false],
      ['backup-1.test:8188', true, true],
      ['backup-2.test:8188', false, false],
    ])
    // The original row's shape: `failures` is a count, and what is not known yet is null.
    expect(stats[2]).toMatchObject({ failures: 1, jobMs: null, ejectedUntil: null })
  })

  it('selectServerByMinQueue reads the min-queue choice without the lock or counting a job', async () => {
    const { loadBalancer, fill } = setup()
    fill(A, 1)
    fill(C, 2)
    expect(await loadBalancer.selectServerByMinQueue()).toBe(B)
    expect(await loadBalancer.selectServerByMinQueue()).toBe(B)
    expect(loadBalancer.getServerStats().map((s) => s.inFlight)).toEqual([0, 0, 0])
  })

  it('updateServerLoads, checkServerHealth and getServerQueueInfo probe for real', async () => {
    const { loadBalancer, fill, cluster } = setup()
    fill(B, 4)
    await loadBalancer.updateServerLoads()
    expect(loadBalancer.getServerStats().map((s) => s.queue)).toEqual([0, 4, 0])
    expect(await loadBalancer.checkServerHealth(A)).toBe(true)
    expect(await loadBalancer.getServerQueueInfo(B)).toEqual({ running: 1, pending: 3, total: 4 })
    cluster.model(A).setFault({ kind: 'http500' })
    expect(await loadBalancer.checkServerHealth('primary.test:8188')).toBe(false)
    cluster.model(C).setFault({ kind: 'wrongShape', endpoints: ['prompt'] })
    expect(await loadBalancer.getServerQueueInfo(C)).toBeNull()
  })

  it('falls back to the primary when every server is down', async () => {
    const { loadBalancer, cluster } = setup()
    for (const url of [A, B, C]) cluster.model(url).setFault({ kind: 'refuse' })
    expect(await loadBalancer.getOptimalServer()).toBe(A)
    expect(await loadBalancer.selectServerByMinQueue()).toBe(A)
  })
})

describe('createComfyBalancer', () => {
  it("uses the original design's defaults", () => {
    const balancer = createComfyBalancer({ config: { servers: [A] }, logger: silentLogger })
    expect(balancer.getSnapshot().strategy).toBe('sticky(minQueue)')
    expect(DEFAULT_PROBE_SETTINGS).toMatchObject({
      cacheMs: 15_000,
      healthTimeoutMs: 10_000,
      queueTimeoutMs: 5_000,
    })
    balancer.dispose()
  })

  it('takes a lock length and locks for exactly that long', async () => {
    const cluster = msw.install([{ url: A }, { url: B }])
    const clock = cluster.clock
    const balancer = createComfyBalancer({
      config: { servers: [A, B] },
      lockMs: 5_000,
      clock,
      logger: silentLogger,
    })
    await balancer.getOptimalServer()
    expect(balancer.getSnapshot().lock).toEqual({ serverId: 'primary.test:8188', until: clock.now() + 5_000 })
  })
})
