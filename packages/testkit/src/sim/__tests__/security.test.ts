import { afterEach, describe, expect, it } from 'vitest'
import { isLoopback, originRejected } from '../../http/security'
import { versionAtLeast } from '../../model/version'
import { type ComfySim, type ComfySimOptions, startComfySim } from '../server'
import { postJson, rawRequest, WsClient } from './helpers'

const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

async function start(options: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = await startComfySim({ timeScale: 0.01, ...options })
  sims.push(sim)
  return sim
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, DELETE, PUT, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Authorization',
  'access-control-allow-credentials': 'true',
}

function corsOf(response: Response): Record<string, string | null> {
  return Object.fromEntries(Object.keys(CORS_HEADERS).map((name) => [name, response.headers.get(name)]))
}

describe('the origin check (CORS off, the default)', () => {
  it('answers 403 when Host is loopback and Origin names another host', async () => {
    const sim = await start()
    const status = async (origin: string) =>
      (await fetch(`${sim.url}/prompt`, { headers: { Origin: origin } })).status
    expect(await status('http://evil.example')).toBe(403)
    expect(await status(`http://localhost:${sim.port}`)).toBe(403)
    expect(await status(`http://127.0.0.1:${sim.port + 1}`)).toBe(403)
    expect(await status(`http://127.0.0.1:${sim.port}`)).toBe(200)
    // An Origin without a port is compared by host name only, as server.py does for "weird browsers".
    expect(await status('http://127.0.0.1')).toBe(200)
    // file:// pages send "null", which has no host to compare.
    expect(await status('null')).toBe(200)
    // A POST that fails the check is not queued.
    const post = await postJson(
      `${sim.url}/prompt`,
      { prompt: { '1': { class_type: 'SimWork' } } },
      {
        headers: { Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      },
    )
    expect(post.status).toBe(403)
    // Requests the check rejects never reach a route, so they are not counted.
    expect(sim.requestCounts.prompt).toBe(3)
    expect(sim.log).toEqual([])
  })

  it('applies only when Host is a loopback name', async () => {
    const sim = await start()
    const request = (host: string) =>
      rawRequest(`${sim.url}/prompt`, { headers: { Host: host, Origin: 'http://evil.example' } })
    expect((await request(`localhost:${sim.port}`)).status).toBe(403)
    expect((await request(`127.0.0.2:${sim.port}`)).status).toBe(403)
    expect((await request(`comfy.example:${sim.port}`)).status).toBe(200)
    expect(
      (
        await rawRequest(`${sim.url}/prompt`, {
          headers: { Host: 'evil.example', Origin: 'http://evil.example' },
        })
      ).status,
    ).toBe(200)
  })

  it('answers 403 to Sec-Fetch-Site: cross-site from ComfyUI 0.19.0 on', async () => {
    const sim = await start()
    const cross = await fetch(`${sim.url}/system_stats`, { headers: { 'Sec-Fetch-Site': 'cross-site' } })
    expect(cross.status).toBe(403)
    expect(
      (await fetch(`${sim.url}/system_stats`, { headers: { 'Sec-Fetch-Site': 'same-origin' } })).status,
    ).toBe(200)
    const old = await start({ version: '0.18.2' })
    expect(
      (await fetch(`${old.url}/system_stats`, { headers: { 'Sec-Fetch-Site': 'cross-site' } })).status,
    ).toBe(200)
  })

  it('answers OPTIONS with an empty 200 and no CORS headers', async () => {
    const sim = await start()
    const response = await fetch(`${sim.url}/prompt`, { method: 'OPTIONS' })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('refuses a WebSocket upgrade from another origin', async () => {
    const sim = await start()
    await expect(WsClient.open(`${sim.wsUrl}?clientId=x`, { Origin: 'http://evil.example' })).rejects.toThrow(
      /failed/,
    )
    const ok = await WsClient.open(`${sim.wsUrl}?clientId=x`, { Origin: `http://127.0.0.1:${sim.port}` })
    await ok.until((message) => message.type === 'status')
    await ok.close()
  })

  it('checks the control API too', async () => {
    const sim = await start()
    const crash = await fetch(`${sim.url}/__sim/crash`, {
      method: 'POST',
      headers: { Origin: 'http://evil.example' },
    })
    expect(crash.status).toBe(403)
  })
})

describe('with cors (--enable-cors-header)', () => {
  it('adds the CORS headers to every response and answers OPTIONS 200', async () => {
    const sim = await start({ cors: true })
    const preflight = await fetch(`${sim.url}/prompt`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://demo.localhost:5173', 'Access-Control-Request-Method': 'POST' },
    })
    expect(preflight.status).toBe(200)
    expect(corsOf(preflight)).toEqual(CORS_HEADERS)
    const get = await fetch(`${sim.url}/prompt`, {
      headers: { Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    })
    expect(get.status).toBe(200)
    expect(corsOf(get)).toEqual(CORS_HEADERS)
    for (const response of [
      await fetch(`${sim.url}/no_such_route`),
      await postJson(`${sim.url}/prompt`, 'not json'),
      await fetch(`${sim.url}/__sim/state`),
    ]) {
      expect([response.status, corsOf(response)]).toEqual([response.status, CORS_HEADERS])
    }
  })

  it('sends the given origin instead of *', async () => {
    const sim = await start({ cors: 'http://localhost:5173' })
    const response = await fetch(`${sim.url}/queue`)
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    expect((await sim.state()).cors).toBe('http://localhost:5173')
  })

  it('lets a cross-origin page drive the control API', async () => {
    const sim = await start({ cors: true })
    const preflight = await fetch(`${sim.url}/__sim/fault`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://demo.example' },
    })
    expect(corsOf(preflight)).toEqual(CORS_HEADERS)
    const set = await postJson(
      `${sim.url}/__sim/fault`,
      { kind: 'http500' },
      { headers: { Origin: 'http://demo.example' } },
    )
    expect(set.status).toBe(200)
    expect(sim.model.fault).toEqual({ kind: 'http500' })
  })
})

describe('the origin check helpers', () => {
  it('match server.py on edge cases', () => {
    const headers = (origin: string) => new Headers({ Origin: origin })
    expect(originRejected(headers('http://[::1]:8188'), '[::1]:8188', '0.26.0')).toBe(false)
    expect(originRejected(headers('http://localhost:8188'), '[::1]:8188', '0.26.0')).toBe(true)
    // server.py compares the whole netloc, user info included.
    expect(originRejected(headers('http://user@127.0.0.1:8188'), '127.0.0.1:8188', '0.26.0')).toBe(true)
    expect(originRejected(new Headers(), '127.0.0.1:8188', '0.26.0')).toBe(false)
    expect(originRejected(headers('http://evil.example'), undefined, '0.26.0')).toBe(false)
    expect(isLoopback('127.8.9.10')).toBe(true)
    expect(isLoopback('app.localhost')).toBe(true)
    expect(isLoopback('10.0.0.1')).toBe(false)
    expect(versionAtLeast('0.19.0', [0, 19, 0])).toBe(true)
    expect(versionAtLeast('0.3.64', [0, 19, 0])).toBe(false)
    expect(versionAtLeast('1.0', [0, 19, 0])).toBe(true)
  })
})
