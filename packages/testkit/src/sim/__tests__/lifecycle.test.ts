import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ID_A, ID_B, simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import { type ComfySim, type ComfySimOptions, startComfySim } from '../server'
import { fetchErrorCode, postJson, rawRequest, track, WsClient, waitUntil } from './helpers'

const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

async function start(options: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = await startComfySim(options)
  sims.push(sim)
  return sim
}

const queueRemaining = async (sim: ComfySim) =>
  ((await (await fetch(`${sim.url}/prompt`)).json()) as { exec_info: { queue_remaining: number } }).exec_info
    .queue_remaining

/** Whether a TCP port on 127.0.0.1 can be bound right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

describe('startComfySim', () => {
  it('listens on 127.0.0.1 on a free port and reports its URLs', async () => {
    const sim = await start({ name: 'gpu-a' })
    expect(sim.port).toBeGreaterThan(0)
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`)
    expect(sim.wsUrl).toBe(`ws://127.0.0.1:${sim.port}/ws`)
    expect([sim.name, sim.host, sim.isUp]).toEqual(['gpu-a', '127.0.0.1', true])
    expect(await queueRemaining(sim)).toBe(0)
  })

  it('refuses non-loopback hosts and bad options', async () => {
    await expect(startComfySim({ host: '0.0.0.0' })).rejects.toThrow(/loopback/)
    await expect(startComfySim({ host: '192.168.1.2' })).rejects.toThrow(/loopback/)
    await expect(startComfySim({ clock: createTestClock(), timeScale: 0.1 })).rejects.toThrow(/either/)
    await expect(startComfySim({ port: 70_000 })).rejects.toThrow(/port/)
    await expect(startComfySim({ speed: 0 })).rejects.toThrow(/speed/)
  })

  it('fails with EADDRINUSE when the port is taken', async () => {
    const sim = await start()
    await expect(startComfySim({ port: sim.port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
  })

  it('runs a SimWork job for ms / speed simulated ms, in ms * timeScale of wall time', async () => {
    const sim = await start({ speed: 2, timeScale: 0.01 })
    const ws = await WsClient.open(`${sim.wsUrl}?clientId=lb`)
    await postJson(`${sim.url}/prompt`, { prompt: simWork(3_000), prompt_id: ID_A, client_id: 'lb' })
    await ws.until((message) => message.type === 'executing' && message.data.node === null)
    const [entry] = sim.log
    expect(entry).toMatchObject({ promptId: ID_A, outcome: 'success' })
    // 1,500 simulated ms at speed 2: about 15 ms of wall time.
    expect(entry!.endedAt! - entry!.startedAt).toBeGreaterThanOrEqual(1_499)
    expect(entry!.endedAt! - entry!.startedAt).toBeLessThan(1_500 + 50_000)
    await ws.close()
  })

  it('answers 404 and 405 like aiohttp, and 413 above the body limit', async () => {
    const sim = await start({ maxBodyBytes: 64 })
    const missing = await fetch(`${sim.url}/no_such_route`)
    expect([missing.status, await missing.text()]).toEqual([404, '404: Not Found'])
    const wrongMethod = await fetch(`${sim.url}/prompt`, { method: 'PUT', body: '{}' })
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET,HEAD,POST'])
    expect((await fetch(`${sim.url}/ws`)).status).toBe(400)
    const big = await postJson(`${sim.url}/prompt`, { prompt: simWork(1), padding: 'x'.repeat(100) })
    expect(big.status).toBe(413)
    expect(await big.text()).toMatch(/^Maximum request body size 64 exceeded, actual body size \d+$/)
    expect(sim.requestCounts.prompt).toBe(0)
  })
})

describe('bytesSent', () => {
  it('counts only body bytes that were written: not those of an answer to a client that left', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    sim.setFault({ kind: 'slow', delayMs: 1_000 })
    const controller = new AbortController()
    const gone = fetch(`${sim.url}/queue`, { signal: controller.signal })
    await waitUntil(() => sim.requestCounts.queue === 1)
    controller.abort()
    await expect(gone).rejects.toMatchObject({ name: 'AbortError' })
    const answered = fetch(`${sim.url}/queue`)
    await waitUntil(() => sim.requestCounts.queue === 2)
    await clock.advance(1_000)
    const body = await (await answered).arrayBuffer()
    expect(sim.bytesSent.queue).toBe(body.byteLength)
  })
})

describe('down() and up()', () => {
  it('refuses connections while down (ECONNREFUSED) and serves again on the same port after up()', async () => {
    const sim = await start({ timeScale: 0.01 })
    const { port } = sim
    await postJson(`${sim.url}/prompt`, { prompt: simWork(1_000_000), prompt_id: ID_A })
    const ws = await WsClient.open(`${sim.wsUrl}?clientId=lb`)
    await sim.down()
    expect(sim.isUp).toBe(false)
    await ws.closed // open sockets are dropped
    expect(await fetchErrorCode(fetch(`${sim.url}/prompt`))).toBe('ECONNREFUSED')
    await expect(WsClient.open(`${sim.wsUrl}?clientId=lb`)).rejects.toThrow()
    await sim.up()
    expect([sim.isUp, sim.port]).toEqual([true, port])
    // down() is a cut cable, not a crash: the job is still running.
    expect(await queueRemaining(sim)).toBe(1)
  })

  it('drops keep-alive connections and requests in flight', async () => {
    const sim = await start({ timeScale: 0.01 })
    await fetch(`${sim.url}/prompt`) // leaves a pooled keep-alive connection
    sim.setFault({ kind: 'hang' })
    // Settled into a value at once, so its rejection during down() is never unhandled.
    const hanging = fetch(`${sim.url}/queue`).then(
      () => 'answered',
      (error: unknown) => error,
    )
    await waitUntil(() => sim.requestCounts.queue === 1)
    await sim.down()
    expect(await hanging).toBeInstanceOf(TypeError)
    sim.setFault(undefined)
    expect(await fetchErrorCode(fetch(`${sim.url}/prompt`))).toBe('ECONNREFUSED')
  })

  it('comes back by itself after down({ forMs }) of simulated time', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    await sim.down({ forMs: 5_000 })
    await clock.advance(4_999)
    expect(sim.isUp).toBe(false)
    await clock.advance(1)
    await waitUntil(() => sim.isUp)
    expect(await queueRemaining(sim)).toBe(0)
  })
})

describe('crash() and restart()', () => {
  it('crash loses the queue, the running job and history, and drops WebSockets; the server stays up', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    await postJson(`${sim.url}/prompt`, { prompt: simWork(10), prompt_id: ID_A })
    await clock.advance(10)
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_B })
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100) })
    expect(Object.keys(await (await fetch(`${sim.url}/history`)).json())).toEqual([ID_A])
    const ws = await WsClient.open(`${sim.wsUrl}?clientId=lb`)
    await ws.until((message) => message.type === 'status')
    await clock.advance(50)
    sim.crash()
    await ws.closed
    expect(await queueRemaining(sim)).toBe(0)
    expect(await (await fetch(`${sim.url}/history`)).json()).toEqual({})
    expect(await (await fetch(`${sim.url}/queue`)).json()).toEqual({ queue_running: [], queue_pending: [] })
    expect((await fetch(`${sim.url}/api/jobs/${ID_B}`)).status).toBe(404)
    expect(sim.log.map((entry) => entry.outcome)).toEqual(['success', 'lost'])
    // The prompt counter restarts at 0, as in a new process.
    const next = await (await postJson(`${sim.url}/prompt`, { prompt: simWork(1) })).json()
    expect(next.number).toBe(0)
  })

  it('crash fails requests waiting in the dead process, and they never take effect', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    sim.setFault({ kind: 'slow', delayMs: 1_000 })
    const slow = track(postJson(`${sim.url}/prompt`, { prompt: simWork(1), prompt_id: ID_A }))
    await waitUntil(() => sim.requestCounts.prompt === 1)
    sim.crash()
    await expect(slow.promise).rejects.toThrow(TypeError)
    await clock.advance(1_000)
    sim.setFault(undefined)
    expect(await queueRemaining(sim)).toBe(0)
  })

  it('restart is crash, down and up: same port, empty server', async () => {
    const sim = await start({ timeScale: 0.01 })
    const { port } = sim
    await postJson(`${sim.url}/prompt`, { prompt: simWork(1_000_000), prompt_id: ID_A })
    await sim.restart()
    expect([sim.isUp, sim.port]).toEqual([true, port])
    expect(await queueRemaining(sim)).toBe(0)
    expect(sim.log[0]!.outcome).toBe('lost')
  })
})

describe('close()', () => {
  /** Listening sockets and timers of this process. */
  const serverResources = () =>
    process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap' || name === 'Timeout').length

  it('leaves no open handles and frees the port, even with work, sockets and requests in flight', async () => {
    const before = serverResources()
    const sim = await startComfySim({ timeScale: 1 })
    await postJson(`${sim.url}/prompt`, { prompt: simWork(60_000), prompt_id: ID_A }) // a job timer
    sim.setFault({ kind: 'slow', delayMs: 60_000, endpoints: ['queue'] })
    // A fault timer and an open request; settled into a value so close() cannot leave it unhandled.
    const slow = rawRequest(`${sim.url}/queue`).then(
      () => 'answered',
      (error: unknown) => error,
    )
    const ws = await WsClient.open(`${sim.wsUrl}?clientId=lb`)
    await waitUntil(() => sim.requestCounts.queue === 1)
    expect(serverResources()).toBeGreaterThan(before)
    await sim.close()
    await sim.close() // idempotent
    expect(await slow).toBeInstanceOf(Error)
    await ws.closed
    // At most as many as before: timers of earlier tests' HTTP clients may have ended meanwhile.
    await waitUntil(() => serverResources() <= before, 'the server and its timers to go')
    expect(await portIsFree(sim.port)).toBe(true)
    await expect(sim.up()).rejects.toThrow(/closed/)
  })
})
