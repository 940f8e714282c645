import { parseConfig } from '@comfy-balancer/core'
import { createTestClock, type TestClock } from '@comfy-balancer/testkit'
import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
import { HttpResponse, http } from 'msw'
import { describe, expect, it } from 'vitest'
import { FOUR, mswServer, nextEvent, rejectionOf, runBalancer, useMsw } from '../../__tests__/helpers.js'
import { jsonConfig } from '../index.js'

useMsw()

const POLL_MS = 10_000

/** A config file served over HTTP with an ETag; answers 304 to a matching If-None-Match. */
function configServer(url: string, body: unknown) {
  const state = {
    body: JSON.stringify(body),
    version: 1,
    status: 200,
    seen: [] as (string | null)[],
    auth: [] as (string | null)[],
  }
  const etag = () => `"v${state.version}"`
  mswServer().use(
    // msw matches paths; a query string (a token, say) still reaches the handler.
    http.get(url.split('?')[0]!, ({ request }) => {
      const match = request.headers.get('if-none-match')
      state.seen.push(match)
      state.auth.push(request.headers.get('authorization'))
      if (state.status !== 200) return new HttpResponse('upstream broke', { status: state.status })
      if (match === etag()) return new HttpResponse(null, { status: 304, headers: { ETag: etag() } })
      return new HttpResponse(state.body, { headers: { 'Content-Type': 'application/json', ETag: etag() } })
    }),
  )
  return {
    state,
    set(next: unknown) {
      state.body = JSON.stringify(next)
      state.version++
    },
  }
}

let served = 0
const servers = new WeakMap<
  object,
  { clock: TestClock; set(next: unknown): void; state: { status: number } }
>()

describeConfigSource('jsonConfig(url, { watch: true })', {
  parse: parseConfig,
  create(initial) {
    const url = `http://config.test/conformance-${++served}.json`
    const server = configServer(url, initial)
    const clock = createTestClock()
    const source = jsonConfig(url, { watch: true, pollMs: POLL_MS, clock })
    servers.set(source, { clock, ...server })
    return source
  },
  change: (source, next) => servers.get(source)!.set(next),
  breakIt(source) {
    servers.get(source)!.state.status = 500
  },
  advance: (source) => servers.get(source)!.clock.advance(POLL_MS),
})

describe('jsonConfig with a URL', () => {
  it('revalidates with If-None-Match and reuses the body on 304', async () => {
    const url = 'http://config.test/comfy.json'
    const { state } = configServer(url, { servers: ['http://a.test:8188'], lockMs: 5_000 })
    const source = jsonConfig(url, { headers: { Authorization: 'Bearer cfg-token' } })
    expect(await source.load()).toEqual({ servers: ['http://a.test:8188'] })
    expect(await source.load()).toEqual({ servers: ['http://a.test:8188'] })
    expect(source.extras).toEqual({ lockMs: 5_000 })
    expect(state.seen).toEqual([null, '"v1"'])
    expect(state.auth).toEqual(['Bearer cfg-token', 'Bearer cfg-token'])
  })

  it('polls with conditional GETs and reaches a running balancer when the document changes', async () => {
    const url = 'http://config.test/cluster.json'
    const { balancer, clock } = runBalancer((clock) =>
      jsonConfig(url, { watch: true, pollMs: POLL_MS, clock }),
    )
    // After runBalancer: it installs the cluster's handlers in place of earlier ones.
    const server = configServer(url, { servers: FOUR.slice(0, 2) })
    await balancer.refresh()
    let changes = 0
    balancer.on('config-changed', () => changes++)
    await clock.advance(POLL_MS * 3)
    // Three polls, all answered 304: nothing changed, nothing applied.
    expect(server.state.seen).toEqual([null, '"v1"', '"v1"', '"v1"'])
    expect(changes).toBe(0)
    const changed = nextEvent(balancer, 'config-changed')
    server.set({ servers: FOUR.slice(0, 3), probe: { cacheMs: 1_000 } })
    await clock.advance(POLL_MS)
    expect(await changed).toEqual({
      added: ['gpu-c.test:8188'],
      removed: [],
      changed: [],
      settings: ['probe.cacheMs'],
    })
    // The poll fetched v2; the balancer's reload revalidated it with a 304.
    expect(server.state.seen.slice(-2)).toEqual(['"v1"', '"v2"'])
    balancer.dispose()
  })

  it('reports HTTP errors with the URL redacted, and keeps the last good config', async () => {
    const url = 'http://config.test/secret.json?token=url-secret'
    const { balancer, clock, errors } = runBalancer((clock) =>
      jsonConfig(url, { watch: true, pollMs: POLL_MS, clock }),
    )
    const server = configServer(url, { servers: FOUR.slice(0, 1) })
    await balancer.ready()
    const failed = nextEvent(balancer, 'error')
    server.state.status = 503
    await clock.advance(POLL_MS)
    const { error } = await failed
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toBe(
      'Could not load comfy-balancer config from json:http://config.test/secret.json?token=***: GET http://config.test/secret.json?token=*** answered HTTP 503; expected 200 with a JSON config',
    )
    await clock.advance(POLL_MS * 2)
    expect(errors).toHaveLength(1)
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
    balancer.dispose()
  })

  it('gives up on a request after timeoutMs on the injected clock', async () => {
    const clock = createTestClock()
    const hanging = (_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))
      })
    const pending = rejectionOf(
      jsonConfig('https://config.test/slow.json', { fetch: hanging, clock, timeoutMs: 2_000 }).load(),
    )
    await clock.advance(2_000)
    const error = await pending
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toContain('GET https://config.test/slow.json did not answer within 2000 ms')
    expect(clock.pendingTimers()).toBe(0)
  })

  it('stops a request when the caller aborts', async () => {
    const hanging = (_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))
      })
    const controller = new AbortController()
    const pending = rejectionOf(
      jsonConfig('https://config.test/slow.json', { fetch: hanging }).load(controller.signal),
    )
    controller.abort()
    expect((await pending).message).toContain('the load was aborted')
  })
})
