import { describe, expect, it, vi } from 'vitest'
import { createLoadBalancer, NoServerAvailableError, type Strategy } from '../index.js'
import { FOUR, harness, useMsw, work } from './harness.js'

useMsw()

const [A, B, C, D] = FOUR as [string, string, string, string]

function load(h: ReturnType<typeof harness>, url: string, jobs: number): void {
  for (let i = 0; i < jobs; i++) h.model(url).submit({ prompt: work(60_000) })
}

describe('choosing a server', () => {
  it('picks the shortest queue, ties going to the lower priority', async () => {
    const h = harness({
      servers: [A, B, C],
      config: {
        servers: [
          { url: A, priority: 0 },
          { url: B, priority: 2 },
          { url: C, priority: 1 },
        ],
      },
    })
    load(h, A, 3)
    const lease = await h.balancer.acquire()
    expect(lease.url).toBe(C)
    expect(lease.server.priority).toBe(1)
  })

  it('uses only the primary when autoSwitch is off', async () => {
    const h = harness({ servers: [A, B], config: { autoSwitch: false } })
    load(h, A, 5)
    expect(await h.balancer.getOptimalServer()).toBe(A)
  })

  it('falls back to the primary when no server is healthy', async () => {
    const h = harness({ servers: [A, B] })
    for (const url of [A, B]) h.model(url).setFault({ kind: 'refuse' })
    const selected: string[] = []
    h.balancer.on('selected', (event) => selected.push(`${event.server.id}:${event.reason}`))
    expect(await h.balancer.getOptimalServer()).toBe(A)
    expect(selected).toEqual(['gpu-a.test:8188:fallback-primary'])
    expect(h.logger.text()).toMatch(/no healthy server: using the primary gpu-a.test:8188 anyway/)
  })

  it("throws NoServerAvailableError naming each server when fallback is 'error'", async () => {
    const h = harness({ servers: [A, B], config: { fallback: 'error' } })
    h.model(A).setFault({ kind: 'refuse' })
    h.model(B).setFault({ kind: 'http500', endpoints: ['system_stats'] })
    const error = await h.balancer.getOptimalServer().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoServerAvailableError)
    expect((error as NoServerAvailableError).servers.map((s) => s.id)).toEqual([
      'gpu-a.test:8188',
      'gpu-b.test:8188',
    ])
    expect((error as Error).message).toMatch(/gpu-b.test:8188 \(health probe failed: .*HTTP 500/)
  })

  it('uses the primary when the strategy throws, and reports it', async () => {
    const broken: Strategy = {
      name: 'broken',
      select() {
        throw new Error('boom')
      },
    }
    const h = harness({ servers: [A, B], strategy: broken })
    load(h, A, 2)
    const errors: string[] = []
    h.balancer.on('error', (event) => errors.push(event.error.code))
    const lease = await h.balancer.acquire()
    expect(lease.url).toBe(A)
    expect(errors).toEqual(['STRATEGY_FAILED'])
    expect(h.logger.text()).toMatch(/Strategy "broken" threw \(boom\)/)
  })

  it('treats a strategy returning undefined as "none acceptable"', async () => {
    const none: Strategy = { name: 'none', select: () => undefined }
    const h = harness({ servers: [A, B], strategy: none, config: { fallback: 'error' } })
    await expect(h.balancer.getOptimalServer()).rejects.toThrow(/the strategy found it unacceptable/)
  })

  it('hands the strategy only healthy candidates, untouched', async () => {
    const seen: string[][] = []
    const spy: Strategy = {
      name: 'spy',
      select(candidates) {
        seen.push(candidates.map((c) => c.id))
        return candidates[candidates.length - 1]
      },
    }
    const h = harness({ strategy: spy })
    h.model(B).setFault({ kind: 'refuse' })
    expect(await h.balancer.getOptimalServer()).toBe(D)
    expect(seen).toEqual([['gpu-a.test:8188', 'gpu-c.test:8188', 'gpu-d.test:8188']])
  })

  it('skips servers whose known queue reached maxQueue', async () => {
    const h = harness({ servers: [A, B], config: { servers: [{ url: A, maxQueue: 2 }, B] } })
    load(h, A, 2)
    load(h, B, 5)
    expect(await h.balancer.getOptimalServer()).toBe(B)
  })

  it('honours per-job include, exclude and tags', async () => {
    const h = harness({
      servers: [A, B, C],
      config: { servers: [A, { url: B, tags: ['sdxl'] }, { url: C, tags: ['sdxl', 'flux'] }] },
    })
    expect((await h.balancer.acquire({ job: { tags: ['flux'] } })).url).toBe(C)
    expect((await h.balancer.acquire({ job: { exclude: ['gpu-a.test:8188'] } })).url).toBe(B)
    expect((await h.balancer.acquire({ job: { include: ['gpu-c.test:8188'] } })).url).toBe(C)
    await expect(h.balancer.acquire({ job: { tags: ['video'] } })).rejects.toBeInstanceOf(
      NoServerAvailableError,
    )
  })
})

describe('explaining choices', () => {
  it('logs each choice at debug level with every queue, and stays quiet below warn by default', async () => {
    const h = harness({ servers: [A, B] })
    h.model(A).submit({ prompt: work(60_000) })
    await h.balancer.getOptimalServer()
    const line = h.logger.lines.find((l) => l.level === 'debug' && l.message.startsWith('chose '))
    expect(line?.message).toBe('chose gpu-b.test:8188 (strategy) among 2 candidate(s)')
    expect(line?.fields).toEqual({
      strategy: 'minQueue',
      queues: { 'gpu-a.test:8188': 'healthy q=1+0', 'gpu-b.test:8188': 'healthy q=0+1' },
    })
  })

  it('the default logger writes nothing below warn', async () => {
    const h = harness({ servers: [A, B] })
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined)
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined)
    const quiet = createLoadBalancer({ config: { servers: [A, B] }, clock: h.clock })
    await quiet.getOptimalServer()
    expect(debug).not.toHaveBeenCalled()
    expect(info).not.toHaveBeenCalled()
    quiet.dispose()
  })
})
