import { describe, expect, it } from 'vitest'
import { FOUR, harness, useMsw, work } from './harness.js'
import { type Strategy, sticky } from './strategies-for-tests.js'

useMsw()

const [A, B, C] = FOUR as [string, string, string, string]

describe('preview: the next server without choosing it', () => {
  it('shows what acquire() would pick, counting nothing and locking nothing', async () => {
    const h = harness({ servers: [A, B, C] })
    h.model(A).submit({ prompt: work(60_000) })
    await h.balancer.refresh()
    const before = h.balancer.getSnapshot()
    expect(h.balancer.preview()?.id).toBe('gpu-b.test:8188')
    expect(h.balancer.preview({ job: { exclude: ['gpu-b.test:8188'] } })?.id).toBe('gpu-c.test:8188')
    expect(h.balancer.getSnapshot()).toBe(before)
    expect((await h.balancer.acquire()).server.id).toBe('gpu-b.test:8188')
  })

  it("ranks by the strategy's score, and honours a live lock", async () => {
    const byLatency: Strategy = { name: 'byLatency', select: (c) => c[c.length - 1], score: (s) => -s.index }
    const h = harness({ servers: [A, B, C], strategy: sticky(byLatency, 10_000) })
    await h.balancer.refresh()
    expect(h.balancer.preview()?.id).toBe('gpu-c.test:8188')
    await h.balancer.acquire()
    h.model(C).submit({ prompt: work(60_000) })
    expect(h.balancer.preview()?.id).toBe('gpu-c.test:8188') // locked
    await h.clock.advance(10_000)
    expect(h.balancer.getSnapshot().lock?.until).toBeLessThanOrEqual(h.clock.now())
  })

  it('falls back to the primary when nothing is healthy', async () => {
    const h = harness({ servers: [A, B] })
    for (const url of [A, B]) h.model(url).setFault({ kind: 'refuse' })
    await h.balancer.refresh()
    expect(h.balancer.preview()?.id).toBe('gpu-a.test:8188')
  })
})
