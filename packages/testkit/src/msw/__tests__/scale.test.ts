import { describe, expect, it, vi } from 'vitest'
import { simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import { seededRandom } from '../../random'
import { createMswCluster } from '../cluster'
import { comfyHandlers } from '../handlers'
import { useMswCluster } from '../use-msw-cluster'
import { postJson } from './post-json'

const { server } = useMswCluster()

describe('routing many servers', () => {
  it('uses the same small set of handlers for 1 server and for 1,000', () => {
    const clock = createTestClock()
    const one = createMswCluster([{ url: 'http://solo.test:8188' }], clock)
    const specs = Array.from({ length: 1000 }, (_, i) => ({ url: `http://gpu-${i}.test:8188` }))
    const many = createMswCluster(specs, clock)
    expect(many.handlers).toHaveLength(one.handlers.length)
    expect(one.handlers.length).toBeLessThanOrEqual(12)
  })

  it('routes each request of 1,000 servers (hosts and path prefixes) to its own model', async () => {
    const clock = createTestClock(0)
    const specs = Array.from({ length: 1000 }, (_, i) => ({
      url: i % 2 === 0 ? `http://gpu-${i}.test:8188` : `http://pool.test/comfy/${i}`,
      id: `s${i}`,
    }))
    const cluster = createMswCluster(specs, clock)
    server.use(...cluster.handlers)
    const random = seededRandom(3)
    const picked = Array.from({ length: 50 }, () => Math.floor(random() * 1000))
    for (const i of picked) {
      const base = specs[i]!.url
      expect((await postJson(`${base}/api/prompt`, { prompt: simWork(10) })).status).toBe(200)
    }
    for (const [i, spec] of specs.entries()) {
      const expected = picked.filter((p) => p === i).length
      expect(cluster.model(spec.id).requestCounts.prompt).toBe(expected)
      expect(cluster.model(spec.url).queueRemaining).toBe(expected)
    }
  })

  it('prefers the longest matching base path on one origin', async () => {
    const clock = createTestClock(0)
    const cluster = createMswCluster(
      [
        { url: 'http://pool.test/comfy' },
        { url: 'http://pool.test/comfy/deep' },
        { url: 'http://pool.test' },
      ],
      clock,
    )
    server.use(...comfyHandlers(cluster.models))
    await fetch('http://pool.test/comfy/deep/prompt')
    await fetch('http://pool.test/comfy/prompt')
    await fetch('http://pool.test/api/prompt')
    expect(cluster.model('http://pool.test/comfy/deep').requestCounts.prompt).toBe(1)
    expect(cluster.model('http://pool.test/comfy').requestCounts.prompt).toBe(1)
    expect(cluster.model('http://pool.test').requestCounts.prompt).toBe(1)
    // Below a base path, a path that is not a ComfyUI route is not routed to a shorter base.
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    await expect(fetch('http://pool.test/comfy/deeper/prompt')).rejects.toThrow()
  })

  it('accepts a plain record of base URLs', async () => {
    const clock = createTestClock(0)
    const cluster = createMswCluster([{ url: 'http://a.test' }], clock)
    server.use(...comfyHandlers({ 'http://b.test:8188/': cluster.model('http://a.test') }))
    expect(await (await fetch('http://b.test:8188/prompt')).json()).toEqual({
      exec_info: { queue_remaining: 0 },
    })
  })
})
