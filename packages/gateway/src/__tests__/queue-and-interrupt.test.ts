import { describe, expect, it } from 'vitest'
import { comfyCalls, type Loose, listen, workThenSave } from './client-calls.js'
import { useGateway } from './gateway-harness.js'

const startGateway = useGateway()
const HOUR = 3_600_000
const done = (id: string) => (m: { type: string; data: Record<string, Loose> }) =>
  m.type === 'executing' && m.data.node === null && m.data.prompt_id === id

describe('the caller’s queue as one ComfyUI', () => {
  it('answers POST /prompt as ComfyUI does: number, node_errors, and 400s for no prompt or a bad id', async () => {
    const { url } = await startGateway([{}])
    const client = comfyCalls(url)
    const first = await client.post('/prompt', { prompt: workThenSave(10) })
    expect(first.status).toBe(200)
    expect(first.body).toEqual({ prompt_id: expect.any(String), number: 0, node_errors: {} })
    const none = await client.post('/prompt', {})
    expect(none.status).toBe(400)
    expect(none.body!.error).toEqual({
      type: 'no_prompt',
      message: 'No prompt provided',
      details: 'No prompt provided',
      extra_info: {},
    })
    const badId = await client.post('/prompt', { prompt: workThenSave(10), prompt_id: 'job-1' })
    expect(badId.status).toBe(400)
    expect(badId.body!.error.type).toBe('invalid_prompt_id')
    // The counter advanced on every request, valid or not; front goes negative.
    const front = await client.post('/prompt', { prompt: workThenSave(10), front: true })
    expect(front.body!.number).toBe(-3)
    const mine = '6f1c8f7e-3b1a-4d2e-9c4b-1a2b3c4d5e6f'
    const given = await client.post('/prompt', { prompt: workThenSave(10), prompt_id: mine })
    expect(given.body!.prompt_id).toBe(mine)
    expect((await client.post('/prompt', { prompt: workThenSave(10), prompt_id: mine })).status).toBe(400)
  })

  it('lists running and pending prompts wherever they wait, and deletes a pending one for good', async () => {
    const { url, cluster } = await startGateway([{}])
    const client = comfyCalls(url)
    const socket = await listen(url, 'c1')
    try {
      const ids: string[] = []
      for (let i = 0; i < 3; i++)
        ids.push(
          (await client.post('/prompt', { prompt: workThenSave(HOUR), client_id: 'c1' })).body!.prompt_id,
        )
      await socket.until((m) => m.type === 'execution_start' && m.data.prompt_id === ids[0])
      const queue = (await client.get('/queue')).body!
      expect(queue.queue_running.map((item: unknown[]) => item[1])).toEqual([ids[0]])
      expect(queue.queue_pending.map((item: unknown[]) => item[1])).toEqual([ids[1], ids[2]])
      expect(queue.queue_running[0]).toEqual([
        0,
        ids[0],
        workThenSave(HOUR),
        expect.objectContaining({ client_id: 'c1' }),
        expect.any(Array),
      ])
      expect((await client.get('/prompt')).body).toEqual({ exec_info: { queue_remaining: 3 } })
      // The last one waits in the gateway, the second on the server's own queue: both go.
      await client.post('/queue', { delete: [ids[2], ids[1]] })
      await client.post('/interrupt', { prompt_id: ids[0] })
      await socket.until(done(ids[0]!))
      expect((await client.get('/queue')).body).toEqual({ queue_running: [], queue_pending: [] })
      const history = (await client.get('/history')).body!
      expect(Object.keys(history)).toEqual([ids[0]])
      expect(history[ids[0]!].status.status_str).toBe('error')
      expect(history[ids[0]!].status.messages.map(([type]: [string]) => type)).toContain(
        'execution_interrupted',
      )
      const interrupted = socket.messages.filter((m) => m.type === 'execution_interrupted')
      expect(interrupted.map((m) => m.data.prompt_id)).toEqual([ids[0]])
      expect(cluster.sims[0]!.log.map((run) => run.outcome)).toEqual(['interrupted'])
    } finally {
      socket.close()
    }
  })

  it('clears its history on POST /history, and reads it newest-last with max_items', async () => {
    const { url } = await startGateway([{}, {}])
    const client = comfyCalls(url)
    const socket = await listen(url, 'c2')
    try {
      const ids: string[] = []
      for (let i = 0; i < 3; i++) {
        const id = (await client.post('/prompt', { prompt: workThenSave(100), client_id: 'c2' })).body!
          .prompt_id
        await socket.until(done(id))
        ids.push(id)
      }
      expect(Object.keys((await client.get('/history?max_items=2')).body!)).toEqual(ids.slice(1))
      expect((await client.get('/history?max_items=x')).status).toBe(400)
      await client.post('/history', { delete: [ids[0]] })
      expect(Object.keys((await client.get('/history')).body!)).toEqual(ids.slice(1))
      await client.post('/history', { clear: true })
      expect((await client.get('/history')).body).toEqual({})
    } finally {
      socket.close()
    }
  })
})
