import { createTestClock } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { readJson } from '../read-json'

const base = {
  url: 'http://127.0.0.1:1/object_info',
  label: 'http://127.0.0.1:1/object_info',
  headers: {},
  timeoutMs: 1_000,
  maxBytes: 1_024,
}

/** A body that never ends, counting how much was pulled and whether the reader gave up. */
function endlessBody() {
  const state = { pulled: 0, cancelled: false }
  const chunk = new TextEncoder().encode(`"${'x'.repeat(254)}",`)
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += chunk.byteLength
      controller.enqueue(chunk)
    },
    cancel() {
      state.cancelled = true
    },
  })
  return { state, stream }
}

describe('readJson', () => {
  it('stops reading a body past the byte limit and cancels it', async () => {
    const { state, stream } = endlessBody()
    const clock = createTestClock()
    const result = await readJson({
      ...base,
      timers: clock,
      fetch: async () => new Response(stream, { status: 200 }),
    })
    expect(result).toMatchObject({ ok: false, kind: 'too-large', status: 200 })
    expect(state.cancelled).toBe(true)
    // Stopped within a chunk or two (plus the stream's read-ahead) of the limit.
    expect(state.pulled).toBeLessThan(4 * 1_024)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('refuses at once a body whose declared length passes the limit', async () => {
    const { state, stream } = endlessBody()
    const result = await readJson({
      ...base,
      timers: createTestClock(),
      fetch: async () => new Response(stream, { headers: { 'Content-Length': '106817837' } }),
    })
    expect(result).toMatchObject({ ok: false, kind: 'too-large' })
    expect(state.cancelled).toBe(true)
  })

  it('times out on the injected clock, also while the body is streaming', async () => {
    const clock = createTestClock()
    let sawSignal: AbortSignal | undefined
    const pending = readJson({
      ...base,
      timers: clock,
      fetch: (_url, init) => {
        sawSignal = init?.signal ?? undefined
        // Headers arrive, then the body stalls until the request is aborted.
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"a":'))
            init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')))
          },
        })
        return Promise.resolve(new Response(body))
      },
    })
    await clock.advance(999)
    expect(sawSignal?.aborted).toBe(false)
    await clock.advance(1)
    expect(await pending).toEqual({
      ok: false,
      kind: 'timeout',
      message: 'http://127.0.0.1:1/object_info: no full answer within 1000 ms',
    })
  })

  it('tells HTTP errors, bad JSON, an accepted 404 and a network error apart', async () => {
    const timers = createTestClock()
    const answer = (response: Response) => readJson({ ...base, timers, fetch: async () => response })
    expect(await answer(new Response('500 Internal Server Error', { status: 500 }))).toMatchObject({
      ok: false,
      kind: 'http',
      status: 500,
    })
    expect(await answer(new Response('{"half'))).toMatchObject({ ok: false, kind: 'malformed' })
    expect(await answer(new Response(null, { status: 404 }))).toMatchObject({ ok: false, kind: 'http' })
    expect(
      await readJson({
        ...base,
        timers,
        notFoundIsAnswer: true,
        fetch: async () => new Response(null, { status: 404 }),
      }),
    ).toEqual({ ok: true, status: 404, body: undefined })
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    })
    expect(
      await readJson({
        ...base,
        timers,
        fetch: async () => {
          throw refused
        },
      }),
    ).toMatchObject({ ok: false, kind: 'network', message: expect.stringContaining('(ECONNREFUSED)') })
  })

  it('sends the headers and reports an outer abort as aborted', async () => {
    const closed = new AbortController()
    let sent: HeadersInit | undefined
    const pending = readJson({
      ...base,
      headers: { Authorization: 'Bearer x' },
      timers: createTestClock(),
      signal: closed.signal,
      fetch: (_url, init) => {
        sent = init?.headers
        return new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        )
      },
    })
    closed.abort()
    expect(await pending).toMatchObject({ ok: false, kind: 'aborted' })
    expect(sent).toEqual({ Accept: 'application/json', Authorization: 'Bearer x' })
  })
})
