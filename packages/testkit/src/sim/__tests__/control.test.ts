import { afterEach, describe, expect, it } from 'vitest'
import { ID_A, simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import type { Endpoint } from '../../model/types'
import { type ComfySim, type ComfySimOptions, startComfySim } from '../server'
import { fetchErrorCode, postJson, track, WsClient, waitUntil } from './helpers'

const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

async function start(options: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = await startComfySim({ clock: createTestClock(0), ...options })
  sims.push(sim)
  return sim
}

const control = (sim: ComfySim, path: string, body?: unknown, method = 'POST') =>
  fetch(`${sim.url}/__sim/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  })

const PROBES: Array<{ endpoint: Endpoint; path: string; wrongShape: unknown }> = [
  { endpoint: 'system_stats', path: '/system_stats', wrongShape: { system: 42 } },
  { endpoint: 'prompt', path: '/prompt', wrongShape: { exec_info: { queue_remaining: 'lots' } } },
  { endpoint: 'queue', path: '/api/queue', wrongShape: [] },
  { endpoint: 'history', path: `/history/${ID_A}`, wrongShape: { [ID_A]: 42 } },
  { endpoint: 'jobs', path: `/api/jobs/${ID_A}`, wrongShape: { id: 42, status: 'lots' } },
]

describe.each(PROBES)(
  'faults set through POST /__sim/fault, on GET $path',
  ({ endpoint, path, wrongShape }) => {
    it('down (refuse): the connection is reset, fetch rejects with a TypeError', async () => {
      const sim = await start()
      expect((await control(sim, 'fault', { kind: 'down' })).status).toBe(200)
      expect(sim.model.fault).toEqual({ kind: 'refuse' })
      await expect(fetch(`${sim.url}${path}`)).rejects.toThrow(TypeError)
      expect([sim.requestCounts[endpoint], sim.bytesSent[endpoint]]).toEqual([1, 0])
    })

    it('hang: no answer until the client aborts', async () => {
      const sim = await start()
      await control(sim, 'fault', { kind: 'hang' })
      const controller = new AbortController()
      const request = track(fetch(`${sim.url}${path}`, { signal: controller.signal }))
      await waitUntil(() => sim.requestCounts[endpoint] === 1)
      // The control API still answers while the route hangs.
      expect((await control(sim, 'state', undefined, 'GET')).status).toBe(200)
      expect(request.settled).toBe(false)
      controller.abort()
      await expect(request.promise).rejects.toMatchObject({ name: 'AbortError' })
    })

    it('500: a plain-text 500', async () => {
      const sim = await start()
      await control(sim, 'fault', { kind: '500' })
      const response = await fetch(`${sim.url}${path}`)
      expect([response.status, await response.text()]).toEqual([
        500,
        '500 Internal Server Error\n\nServer got itself in trouble',
      ])
    })

    it('malformed: a JSON content type with a body no parser accepts', async () => {
      const sim = await start()
      await control(sim, 'fault', { kind: 'malformed' })
      const response = await fetch(`${sim.url}${path}`)
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
      await expect(response.json()).rejects.toThrow(SyntaxError)
    })

    it('wrongShape: valid JSON of the wrong shape', async () => {
      const sim = await start()
      await control(sim, 'fault', { kind: 'wrongShape' })
      expect(await (await fetch(`${sim.url}${path}`)).json()).toEqual(wrongShape)
    })

    it('slow: the right answer once the server clock has moved delayMs', async () => {
      const clock = createTestClock(0)
      const sim = await start({ clock })
      await control(sim, 'fault', { kind: 'slow', delayMs: 2_000 })
      const request = track(fetch(`${sim.url}${path}`))
      await waitUntil(() => sim.requestCounts[endpoint] === 1)
      await clock.advance(1_999)
      expect(request.settled).toBe(false)
      await clock.advance(1)
      const response = await request.promise
      expect(response.status).toBe(endpoint === 'jobs' ? 404 : 200)
    })
  },
)

describe('the control API', () => {
  it('GET /__sim/state reports the server', async () => {
    const sim = await startComfySim({ name: 'gpu-a', speed: 2, timeScale: 0.5 })
    sims.push(sim)
    const state = await (await control(sim, 'state', undefined, 'GET')).json()
    expect(state).toEqual({
      name: 'gpu-a',
      url: sim.url,
      up: true,
      speed: 2,
      version: '0.26.0',
      cors: null,
      timeScale: 0.5,
      now: expect.any(Number),
      fault: null,
      workerFault: null,
      queueRemaining: 0,
      wsClients: 0,
      requestCounts: {
        system_stats: 0,
        prompt: 0,
        queue: 0,
        history: 0,
        interrupt: 0,
        jobs: 0,
        view: 0,
        upload: 0,
        catalog: 0,
      },
      bytesSent: {
        system_stats: 0,
        prompt: 0,
        queue: 0,
        history: 0,
        interrupt: 0,
        jobs: 0,
        view: 0,
        upload: 0,
        catalog: 0,
      },
    })
    expect(sim.state()).toMatchObject({ name: 'gpu-a', up: true })
  })

  it('sets faults with endpoints and process, and clears them with {}, {"kind": null} or DELETE', async () => {
    const sim = await start()
    const set = await control(sim, 'fault', { kind: 'http500', endpoints: ['prompt'], process: true })
    expect(await set.json()).toEqual({ fault: { kind: 'http500', endpoints: ['prompt'], process: true } })
    expect((await postJson(`${sim.url}/prompt`, { prompt: simWork(10) })).status).toBe(500)
    expect(sim.model.queueRemaining).toBe(1) // process: true, so the POST took effect
    expect((await fetch(`${sim.url}/queue`)).status).toBe(200)
    expect(await (await control(sim, 'fault', {})).json()).toEqual({ fault: null })
    expect(sim.model.fault).toBeUndefined()
    await control(sim, 'fault', { kind: 'hang' })
    await control(sim, 'fault', { kind: null })
    expect(sim.model.fault).toBeUndefined()
    await control(sim, 'fault', { kind: 'slow', delayMs: 5 })
    expect((await control(sim, 'fault', undefined, 'DELETE')).status).toBe(200)
    expect(sim.model.fault).toBeUndefined()
  })

  it('rejects bad control requests with 400, and unknown routes with 404/405', async () => {
    const sim = await start()
    for (const body of [
      { kind: 'explode' },
      { kind: 'slow', delayMs: -1 },
      { kind: 'hang', endpoints: ['ws'] },
      { kind: 'hang', process: 'yes' },
    ]) {
      const response = await control(sim, 'fault', body)
      expect(response.status).toBe(400)
      expect((await response.json()).error).toEqual(expect.any(String))
    }
    expect((await fetch(`${sim.url}/__sim/fault`, { method: 'POST', body: 'nope' })).status).toBe(400)
    expect((await control(sim, 'speed', { speed: 0 })).status).toBe(400)
    expect((await control(sim, 'down', { forMs: 'soon' })).status).toBe(400)
    expect((await control(sim, 'nothing', undefined, 'GET')).status).toBe(404)
    expect((await control(sim, 'crash', undefined, 'GET')).status).toBe(405)
    expect(sim.model.fault).toBeUndefined()
    expect(sim.isUp).toBe(true)
  })

  it('POST /__sim/speed changes the speed of the next jobs', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    expect(await (await control(sim, 'speed', { speed: 4 })).json()).toEqual({ speed: 4 })
    await postJson(`${sim.url}/prompt`, { prompt: simWork(400), prompt_id: ID_A })
    await clock.advance(100)
    expect(sim.log).toEqual([{ promptId: ID_A, startedAt: 0, endedAt: 100, outcome: 'success' }])
    expect(sim.state().speed).toBe(4)
  })

  it('POST /__sim/worker turns the worker into a black hole, and null heals it', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    expect(await (await control(sim, 'worker', { fault: 'black-hole' })).json()).toEqual({
      workerFault: 'black-hole',
    })
    expect(sim.state().workerFault).toBe('black-hole')
    await postJson(`${sim.url}/prompt`, { prompt: simWork(400), prompt_id: ID_A })
    await clock.advance(0)
    expect(sim.log).toEqual([{ promptId: ID_A, startedAt: 0, endedAt: 0, outcome: 'error' }])
    expect((await control(sim, 'worker', { fault: 'melted' })).status).toBe(400)
    expect(await (await control(sim, 'worker', { fault: null })).json()).toEqual({ workerFault: null })
    expect(sim.state().workerFault).toBeNull()
  })

  it('GET /__sim/log lists when each prompt started and ended', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_A })
    await postJson(`${sim.url}/prompt`, { prompt: simWork(50, { fail: true }) })
    await clock.advance(150)
    const log = await (await control(sim, 'log', undefined, 'GET')).json()
    expect(log).toEqual([
      { promptId: ID_A, startedAt: 0, endedAt: 100, outcome: 'success' },
      { promptId: expect.any(String), startedAt: 100, endedAt: 150, outcome: 'error' },
    ])
  })

  it('POST /__sim/crash answers, then loses the queue and drops WebSockets', async () => {
    const sim = await start()
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_A })
    const ws = await WsClient.open(`${sim.wsUrl}?clientId=lb`)
    expect(await (await control(sim, 'crash')).json()).toEqual({ crashed: true })
    await ws.closed
    expect(sim.model.queueRemaining).toBe(0)
    expect(sim.log[0]!.outcome).toBe('lost')
  })

  it('POST /__sim/down {forMs} refuses connections until that much simulated time has passed', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    expect(await (await control(sim, 'down', { forMs: 1_000 })).json()).toEqual({ down: true, forMs: 1_000 })
    await waitUntil(() => !sim.isUp)
    expect(await fetchErrorCode(fetch(`${sim.url}/prompt`))).toBe('ECONNREFUSED')
    await clock.advance(1_000)
    await waitUntil(() => sim.isUp)
    expect((await fetch(`${sim.url}/prompt`)).status).toBe(200)
  })

  it('POST /__sim/restart empties the server and keeps the port', async () => {
    const sim = await start()
    const { port } = sim
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_A })
    expect((await control(sim, 'restart')).status).toBe(200)
    await waitUntil(() => sim.log[0]?.outcome === 'lost')
    await waitUntil(() => sim.isUp)
    expect(sim.port).toBe(port)
    expect(await (await fetch(`${sim.url}/prompt`)).json()).toEqual({ exec_info: { queue_remaining: 0 } })
  })

  it('a refuse fault on every endpoint also resets OPTIONS and unknown routes, but not the control API', async () => {
    const sim = await start({ cors: true })
    await control(sim, 'fault', { kind: 'down' })
    await expect(fetch(`${sim.url}/prompt`, { method: 'OPTIONS' })).rejects.toThrow(TypeError)
    await expect(fetch(`${sim.url}/no_such_route`)).rejects.toThrow(TypeError)
    await control(sim, 'fault', { kind: 'down', endpoints: ['prompt'] })
    expect((await fetch(`${sim.url}/prompt`, { method: 'OPTIONS' })).status).toBe(200)
    expect((await fetch(`${sim.url}/no_such_route`)).status).toBe(404)
  })

  it('is neither counted nor hit by faults', async () => {
    const sim = await start()
    sim.setFault({ kind: 'refuse' })
    expect((await control(sim, 'state', undefined, 'GET')).status).toBe(200)
    expect((await control(sim, 'log', undefined, 'GET')).status).toBe(200)
    expect(Object.values(sim.requestCounts).every((count) => count === 0)).toBe(true)
  })
})

describe('faults on the WebSocket and on POSTs', () => {
  it('refuse on all endpoints refuses WebSocket upgrades too; one aimed at an endpoint does not', async () => {
    const sim = await start()
    sim.setFault({ kind: 'refuse' })
    await expect(WsClient.open(`${sim.wsUrl}?clientId=lb`)).rejects.toThrow()
    sim.setFault({ kind: 'refuse', endpoints: ['prompt'] })
    const ws = await WsClient.open(`${sim.wsUrl}?clientId=lb`)
    await ws.until((message) => message.type === 'status')
    await ws.close()
  })

  it('hang with process: the POST times out on the client but the job is queued', async () => {
    const sim = await start()
    sim.setFault({ kind: 'hang', process: true, endpoints: ['prompt'] })
    const controller = new AbortController()
    const post = postJson(
      `${sim.url}/prompt`,
      { prompt: simWork(10), prompt_id: ID_A },
      { signal: controller.signal },
    )
    await waitUntil(() => sim.model.queueRemaining === 1)
    controller.abort()
    await expect(post).rejects.toMatchObject({ name: 'AbortError' })
    expect((await fetch(`${sim.url}/api/jobs/${ID_A}`)).status).toBe(200)
  })
})
