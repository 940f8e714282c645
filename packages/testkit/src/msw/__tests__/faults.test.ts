import { describe, expect, it } from 'vitest'
import { ID_A, simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import type { Endpoint } from '../../model/types'
import { useMswCluster } from '../use-msw-cluster'
import { postJson } from './post-json'

const msw = useMswCluster()
const URL_A = 'http://gpu-a.test:8188'

function setup() {
  const cluster = msw.install([{ url: URL_A }], createTestClock(0))
  return { clock: cluster.clock, model: cluster.model(URL_A) }
}

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise }
  promise.then(
    () => {
      state.settled = true
    },
    () => {
      state.settled = true
    },
  )
  return state
}

const PROBES: Array<{ endpoint: Endpoint; path: string; wrongShape: unknown }> = [
  { endpoint: 'system_stats', path: '/system_stats', wrongShape: { system: 42 } },
  { endpoint: 'prompt', path: '/prompt', wrongShape: { exec_info: { queue_remaining: 'lots' } } },
  { endpoint: 'queue', path: '/queue', wrongShape: [] },
  { endpoint: 'history', path: `/history/${ID_A}`, wrongShape: { [ID_A]: 42 } },
  { endpoint: 'jobs', path: `/api/jobs/${ID_A}`, wrongShape: { id: 42, status: 'lots' } },
]

describe.each(PROBES)('faults on GET $path', ({ endpoint, path, wrongShape }) => {
  const url = `${URL_A}${path}`

  it('refuse: fetch rejects with a network error', async () => {
    const { model } = setup()
    model.setFault({ kind: 'refuse' })
    await expect(fetch(url)).rejects.toThrow(TypeError)
    expect(model.requestCounts[endpoint]).toBe(1)
    expect(model.bytesSent[endpoint]).toBe(0)
  })

  it('hang: never answers, however far time moves, until the client aborts', async () => {
    const { clock, model } = setup()
    model.setFault({ kind: 'hang' })
    const controller = new AbortController()
    const request = track(fetch(url, { signal: controller.signal }))
    await clock.advance(3_600_000)
    expect(request.settled).toBe(false)
    controller.abort()
    await expect(request.promise).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('http500: a plain-text 500', async () => {
    const { model } = setup()
    model.setFault({ kind: 'http500' })
    const response = await fetch(url)
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('500 Internal Server Error\n\nServer got itself in trouble')
  })

  it('malformed: a JSON content type with a body no parser accepts', async () => {
    const { model } = setup()
    model.setFault({ kind: 'malformed' })
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    await expect(response.json()).rejects.toThrow(SyntaxError)
  })

  it('wrongShape: valid JSON of the wrong shape', async () => {
    const { model } = setup()
    model.setFault({ kind: 'wrongShape' })
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(wrongShape)
  })

  it('slow: answers correctly, but only once the model clock has moved delayMs', async () => {
    const { clock, model } = setup()
    model.setFault({ kind: 'slow', delayMs: 2_000 })
    const request = track(fetch(url))
    await clock.flush()
    await clock.advance(1_999)
    expect(request.settled).toBe(false)
    await clock.advance(1)
    expect(request.settled).toBe(true)
    const response = await request.promise
    expect(response.status).toBe(endpoint === 'jobs' ? 404 : 200)
    model.setFault(undefined)
    expect(await response.text()).toBe(await (await fetch(url)).text())
  })
})

describe('fault options', () => {
  it('hits only the listed endpoints', async () => {
    const { model } = setup()
    model.setFault({ kind: 'refuse', endpoints: ['queue'] })
    await expect(fetch(`${URL_A}/queue`)).rejects.toThrow()
    expect((await fetch(`${URL_A}/prompt`)).status).toBe(200)
    expect(model.fault).toEqual({ kind: 'refuse', endpoints: ['queue'] })
  })

  it('hang on POST /prompt queues nothing unless process is set: then the job runs though the client gave up', async () => {
    const { clock, model } = setup()
    model.setFault({ kind: 'hang' })
    const first = new AbortController()
    const lost = postJson(`${URL_A}/prompt`, { prompt: simWork(10) }, { signal: first.signal })
    await clock.advance(5_000)
    first.abort()
    await expect(lost).rejects.toMatchObject({ name: 'AbortError' })
    expect(model.log).toEqual([])

    model.setFault({ kind: 'hang', process: true, endpoints: ['prompt'] })
    const second = new AbortController()
    const timedOut = postJson(
      `${URL_A}/prompt`,
      { prompt: simWork(10), prompt_id: ID_A },
      { signal: second.signal },
    )
    await clock.advance(5_000)
    second.abort()
    await expect(timedOut).rejects.toMatchObject({ name: 'AbortError' })
    expect(model.jobStatus(ID_A)).toMatchObject({ status: 'completed' })
    // The balancer's recovery check: the server has the job, so it must not be sent elsewhere.
    expect((await fetch(`${URL_A}/api/jobs/${ID_A}`)).status).toBe(200)
  })

  it('slow POST /prompt takes effect after the delay even if the client aborted', async () => {
    const { clock, model } = setup()
    model.setFault({ kind: 'slow', delayMs: 10_000 })
    const controller = new AbortController()
    const request = postJson(
      `${URL_A}/prompt`,
      { prompt: simWork(10), prompt_id: ID_A },
      { signal: controller.signal },
    )
    await clock.advance(5_000)
    controller.abort()
    await expect(request).rejects.toMatchObject({ name: 'AbortError' })
    expect(model.queueRemaining).toBe(0)
    await clock.advance(5_000)
    expect(model.queueRemaining).toBe(1)
  })

  it.each([
    ['http500', 500],
    ['malformed', 200],
    ['wrongShape', 200],
  ] as const)('%s on POST /prompt queues the job only with process: true', async (kind, status) => {
    const { model } = setup()
    model.setFault({ kind })
    expect((await postJson(`${URL_A}/prompt`, { prompt: simWork(10) })).status).toBe(status)
    expect(model.queueRemaining).toBe(0)
    model.setFault({ kind, process: true })
    expect((await postJson(`${URL_A}/prompt`, { prompt: simWork(10) })).status).toBe(status)
    expect(model.queueRemaining).toBe(1)
  })

  it('crash plus refuse is a server that is down; clearing the fault brings it back empty', async () => {
    const { clock, model } = setup()
    await postJson(`${URL_A}/prompt`, { prompt: simWork(100), prompt_id: ID_A })
    await clock.advance(50)
    model.crash()
    model.setFault({ kind: 'refuse' })
    await expect(fetch(`${URL_A}/prompt`)).rejects.toThrow()
    model.setFault(undefined)
    expect(await (await fetch(`${URL_A}/prompt`)).json()).toEqual({ exec_info: { queue_remaining: 0 } })
    expect(await (await fetch(`${URL_A}/history/${ID_A}`)).json()).toEqual({})
    expect(model.log).toEqual([{ promptId: ID_A, startedAt: 0, endedAt: 50, outcome: 'lost' }])
  })
})
