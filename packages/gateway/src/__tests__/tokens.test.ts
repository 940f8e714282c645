import { createLoadBalancer, silentLogger } from '@comfy-balancer/core'
import { describe, expect, it } from 'vitest'
import { createGateway, GatewayOptionsError, UnsafeBindError } from '../index.js'
import { comfyCalls, listen, workThenSave } from './client-calls.js'
import { useGateway } from './gateway-harness.js'

const startGateway = useGateway()
const ALICE = 'alice-token-0001'
const BOB = 'bob-token-0002'

describe('gateway tokens', () => {
  it('refuses a request without a valid token (401), but not the health probes', async () => {
    const { url } = await startGateway([{}], { tokens: [ALICE, BOB] })
    expect((await comfyCalls(url).get('/queue')).status).toBe(401)
    expect((await comfyCalls(url, 'wrong-token-000').get('/queue')).status).toBe(401)
    expect((await comfyCalls(url, ALICE).get('/queue')).status).toBe(200)
    expect((await fetch(`${url}/queue?token=${BOB}`)).status).toBe(200)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    const refused = await fetch(`${url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({ prompt: workThenSave(10) }),
    })
    expect(refused.status).toBe(401)
  })

  it("keeps one token from reading, interrupting or viewing another's prompts", async () => {
    const { url, cluster } = await startGateway([{}], { tokens: [ALICE, BOB] })
    const alice = comfyCalls(url, ALICE)
    const bob = comfyCalls(url, BOB)
    const socket = await listen(url, 'alice-client', ALICE)
    const spy = await listen(url, 'alice-client', BOB)
    try {
      const posted = await alice.post('/prompt', { prompt: workThenSave(2_000), client_id: 'alice-client' })
      expect(posted.status).toBe(200)
      const id = posted.body!.prompt_id as string
      expect((await bob.get('/queue')).body).toEqual({ queue_running: [], queue_pending: [] })
      expect((await bob.get('/prompt')).body).toEqual({ exec_info: { queue_remaining: 0 } })
      await bob.post('/interrupt', { prompt_id: id })
      await bob.post('/interrupt', {})
      await bob.post('/queue', { delete: [id] })
      await socket.until((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id)
      const entry = (await alice.get(`/history/${id}`)).body![id]
      expect(entry.status).toMatchObject({ status_str: 'success', completed: true })
      expect((await bob.get(`/history/${id}`)).body).toEqual({})
      expect((await bob.get('/history')).body).toEqual({})
      const image = entry.outputs['2'].images[0]
      const query = new URLSearchParams(image).toString()
      expect((await fetch(`${url}/view?${query}`, { headers: alice.headers })).status).toBe(200)
      expect((await fetch(`${url}/view?${query}`, { headers: bob.headers })).status).toBe(404)
      // Bob's socket with Alice's client id got none of her job's messages (only its own status).
      expect(spy.messages.every((m) => m.type === 'status')).toBe(true)
      expect(cluster.sims[0]!.log.map((run) => run.outcome)).toEqual(['success'])
    } finally {
      socket.close()
      spy.close()
    }
  })

  it('broadcasts the progress of a prompt without client_id to its caller’s sockets only, as ComfyUI would', async () => {
    const { url } = await startGateway([{}], { tokens: [ALICE, BOB] })
    const mine = await listen(url, 'any-id', ALICE)
    const theirs = await listen(url, 'other-id', BOB)
    try {
      const posted = await comfyCalls(url, ALICE).post('/prompt', { prompt: workThenSave(2_000) })
      const id = posted.body!.prompt_id as string
      await mine.until((m) => m.type === 'progress' && m.data.prompt_id === id)
      // ComfyUI sends no execution_start / executing / executed without a client id.
      expect(mine.messages.filter((m) => m.data.prompt_id === id).every((m) => m.type === 'progress')).toBe(
        true,
      )
      expect(theirs.messages.some((m) => m.data.prompt_id === id)).toBe(false)
    } finally {
      mine.close()
      theirs.close()
    }
  })

  it('will not listen beyond loopback without tokens unless told it is open', () => {
    const balancer = createLoadBalancer({ config: { servers: ['http://127.0.0.1:9'] }, logger: silentLogger })
    try {
      expect(() => createGateway({ balancer, host: '0.0.0.0' })).toThrow(UnsafeBindError)
      expect(() => createGateway({ balancer, host: '0.0.0.0' })).toThrow(/without tokens/)
      expect(() => createGateway({ balancer, host: '0.0.0.0', tokens: [ALICE] })).not.toThrow()
      expect(() => createGateway({ balancer, host: '0.0.0.0', open: true })).not.toThrow()
      expect(() => createGateway({ balancer, tokens: ['short'] })).toThrow(GatewayOptionsError)
      expect(() => createGateway({ balancer, tokens: ['short'] })).not.toThrow(/short/)
      expect(() => createGateway({ balancer, port: 70_000 })).toThrow(/port must be/)
    } finally {
      balancer.dispose()
    }
  })
})
