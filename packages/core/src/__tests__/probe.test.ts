import { describe, expect, it } from 'vitest'
import { FOUR, harness, useMsw } from './harness.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]

describe('probing', () => {
  it('reads health from /system_stats and the queue from GET /prompt', async () => {
    const h = harness({ servers: [A, B] })
    h.model(A).submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 1000 } } } })
    h.model(A).submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 1000 } } } })
    const snapshot = await h.balancer.refresh()
    const [a, b] = snapshot.servers
    expect(a).toMatchObject({
      health: 'healthy',
      queue: { known: true, running: 1, pending: 1, source: 'prompt' },
    })
    expect(b).toMatchObject({
      health: 'healthy',
      queue: { known: true, running: 0, pending: 0, source: 'prompt' },
    })
    expect(a?.checkedAt).toBe(h.clock.now())
    expect(h.model(A).requestCounts.prompt).toBe(1)
    expect(h.model(A).requestCounts.queue).toBe(0)
  })

  it("reads the running/pending split from GET /queue in 'queue' mode", async () => {
    const h = harness({ servers: [A], config: { probe: { queueMode: 'queue' } } })
    for (let i = 0; i < 3; i++)
      h.model(A).submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 500 } } } })
    const [a] = (await h.balancer.refresh()).servers
    expect(a?.queue).toEqual({ known: true, running: 1, pending: 2, source: 'queue' })
    expect(h.model(A).requestCounts.queue).toBe(1)
  })

  it('treats a failing queue probe on a live server as healthy with queue unknown (counted as 0)', async () => {
    const h = harness({ servers: [A] })
    h.model(A).setFault({ kind: 'http500', endpoints: ['prompt'] })
    const [a] = (await h.balancer.refresh()).servers
    expect(a?.health).toBe('healthy')
    expect(a?.queue).toMatchObject({ known: false, treatedAs: 0 })
    expect(a?.queue).toMatchObject({ reason: expect.stringMatching(/HTTP 500/) })
    expect(h.balancer.getServerStats()[0]).toMatchObject({ healthy: true, queue: undefined })
  })

  it.each([
    ['refuse', /health probe failed: .*gpu-a\.test:8188\/system_stats/],
    ['http500', /HTTP 500/],
    ['malformed', /malformed JSON/],
    ['wrongShape', /wrong shape \(system: /],
  ] as const)(
    'marks a server whose /system_stats fails with %s unhealthy, with the reason',
    async (kind, reason) => {
      const h = harness({ servers: [A, B] })
      h.model(A).setFault({ kind, endpoints: ['system_stats'] })
      const [a, b] = (await h.balancer.refresh()).servers
      expect(a?.health).toBe('unhealthy')
      expect(a?.healthReason).toMatch(reason)
      expect(a?.failures).toHaveLength(1)
      expect(a?.failures[0]).toMatchObject({ kind: 'probe', at: h.clock.now() })
      expect(b?.health).toBe('healthy')
      expect(await h.balancer.getOptimalServer()).toBe(B)
    },
  )

  it('times a hanging health probe out after 10 s of clock time', async () => {
    const h = harness({ servers: [A, B] })
    h.model(A).setFault({ kind: 'hang' })
    const refreshed = h.balancer.refresh()
    await h.clock.advance(9_999)
    expect(h.balancer.getSnapshot().servers[0]?.health).toBe('unknown')
    await h.clock.advance(1)
    const [a, b] = (await refreshed).servers
    expect(a?.health).toBe('unhealthy')
    expect(a?.healthReason).toMatch(/no answer within 10000 ms/)
    expect(b?.health).toBe('healthy')
  })

  it('times a hanging queue probe out after 5 s and keeps the server healthy', async () => {
    const h = harness({ servers: [A] })
    h.model(A).setFault({ kind: 'hang', endpoints: ['prompt'] })
    const refreshed = h.balancer.refresh()
    await h.clock.advance(5_000)
    const [a] = (await refreshed).servers
    expect(a?.health).toBe('healthy')
    expect(a?.queue).toMatchObject({
      known: false,
      reason: expect.stringMatching(/no answer within 5000 ms/),
    })
  })

  it('keeps a slow server that answers within the timeout, and smooths its latency', async () => {
    const h = harness({ servers: [A] })
    h.model(A).setFault({ kind: 'slow', delayMs: 400 })
    const first = h.balancer.refresh()
    await h.clock.advance(400)
    expect((await first).servers[0]).toMatchObject({ health: 'healthy', latencyMs: 400 })
    h.model(A).setFault({ kind: 'slow', delayMs: 100 })
    const second = h.balancer.refresh()
    await h.clock.advance(100)
    // EWMA with weight 0.3 for the new sample: 400 + 0.3 × (100 − 400).
    expect((await second).servers[0]?.latencyMs).toBeCloseTo(310)
  })

  it('ignores unknown fields but fails a wrong type in the queue answer', async () => {
    const h = harness({ servers: [A] })
    h.model(A).setFault({ kind: 'wrongShape', endpoints: ['prompt'] })
    const [a] = (await h.balancer.refresh()).servers
    expect(a?.health).toBe('healthy')
    expect(a?.queue).toMatchObject({
      known: false,
      reason: expect.stringMatching(/exec_info\.queue_remaining/),
    })
  })

  it('probes every server in parallel: a hanging one does not delay the others', async () => {
    const h = harness({})
    h.model(FOUR[0]!).setFault({ kind: 'hang' })
    const seen: string[] = []
    h.balancer.on('health-changed', (event) => seen.push(`${event.server.id}:${event.health}`))
    const refreshed = h.balancer.refresh()
    await h.clock.flush()
    expect(seen.sort()).toEqual([
      'gpu-b.test:8188:healthy',
      'gpu-c.test:8188:healthy',
      'gpu-d.test:8188:healthy',
    ])
    await h.clock.advance(10_000)
    await refreshed
    expect(seen).toContain('gpu-a.test:8188:unhealthy')
  })
})
