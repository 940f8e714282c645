import { HttpResponse, http } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import { useMswCluster } from '../use-msw-cluster'
import { postJson } from './post-json'

const A = 'http://gpu-a.test:8188'
const B = 'http://gpu-b.test:8188'
const msw = useMswCluster([{ url: A }, { url: B, speed: 2 }])

describe('useMswCluster', () => {
  // The two tests below run in this order; the second sees nothing of the first.
  it('serves the given servers on a fresh test clock', async () => {
    expect((await postJson(`${B}/prompt`, { prompt: simWork(300) })).status).toBe(200)
    expect(msw.cluster.model(B).queueRemaining).toBe(1)
    await msw.clock.advance(150) // speed 2
    expect(msw.cluster.model(B).queueRemaining).toBe(0)
    expect(msw.cluster.model(B).requestCounts.prompt).toBe(1)
  })

  it('starts each test on a new cluster and a new clock', async () => {
    expect(msw.cluster.model(B).requestCounts.prompt).toBe(0)
    expect(msw.cluster.model(B).queueRemaining).toBe(0)
    expect(msw.clock.now()).toBe(createTestClock().now())
  })

  it('fails requests no server answers (onUnhandledRequest: error)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined) // msw reports the request there
    await expect(fetch('http://typo.test:8188/prompt')).rejects.toThrow()
  })

  it('lets install() replace the cluster for the rest of a test', async () => {
    const before = msw.cluster
    const clock = createTestClock(0)
    const replaced = msw.install([{ url: A, id: 'solo' }], clock)
    expect(replaced.clock).toBe(clock)
    expect(msw.cluster.model('solo')).toBe(replaced.model(A))
    await fetch(`${A}/prompt`)
    expect(replaced.model(A).requestCounts.prompt).toBe(1)
    expect(before.model(A).requestCounts.prompt).toBe(0)
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    await expect(fetch(`${B}/prompt`)).rejects.toThrow()
  })

  it('lets server.use() override a route inside one test', async () => {
    msw.server.use(http.get(`${A}/prompt`, () => HttpResponse.json({ overridden: true })))
    expect(await (await fetch(`${A}/prompt`)).json()).toEqual({ overridden: true })
    expect(msw.cluster.model(A).requestCounts.prompt).toBe(0)
    await fetch(`${B}/prompt`)
    expect(msw.cluster.model(B).requestCounts.prompt).toBe(1)
  })
})
