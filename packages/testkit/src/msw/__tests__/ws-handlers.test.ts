import { WebSocket as UndiciWebSocket } from 'undici'
import { describe, expect, it } from 'vitest'
import { ID_A, simWork } from '../../__tests__/fixtures'
import { useMswCluster } from '../use-msw-cluster'
import { postJson } from './post-json'

// msw intercepts the global WebSocket (browsers, happy-dom, Node 22): give Node 20 one before msw
// starts listening, as a browser test environment would.
globalThis.WebSocket ??= UndiciWebSocket as unknown as typeof WebSocket

const A = 'http://gpu-a.test:8188'
const B = 'http://gpu-b.test:8188'
const msw = useMswCluster([{ url: A }, { url: B }])

/** Opens a socket and collects its text frames, parsed. */
async function connect(url: string) {
  const socket = new WebSocket(url)
  const messages: Array<{ type: string; data: Record<string, unknown> }> = []
  socket.addEventListener('message', (event) => messages.push(JSON.parse(String(event.data))))
  const opened = await new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve(true))
    socket.addEventListener('close', () => resolve(false))
  })
  return { socket, messages, opened }
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

describe('comfyWebSocketHandlers (each server’s /ws, through msw)', () => {
  it('greets with status and the sid, then pushes queue changes and job messages to their client', async () => {
    const { socket, messages, opened } = await connect('ws://gpu-a.test:8188/ws?clientId=lb-1')
    expect(opened).toBe(true)
    await settle()
    expect(messages[0]).toEqual({
      type: 'status',
      data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'lb-1' },
    })
    const accepted = await postJson(`${A}/prompt`, {
      prompt: simWork(300),
      prompt_id: ID_A,
      client_id: 'lb-1',
    })
    expect(accepted.status).toBe(200)
    await msw.clock.advance(300)
    await settle()
    const types = messages.map((m) => m.type)
    expect(types).toContain('execution_start')
    expect(types).toContain('execution_success')
    const queues = messages
      .filter((m) => m.type === 'status')
      .map((m) => (m.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining)
    expect(queues[0]).toBe(0)
    expect(queues).toContain(1)
    expect(queues.at(-1)).toBe(0)
    socket.close()
  })

  it('serves /api/ws too, and refuses the socket of a server that refuses every request', async () => {
    const api = await connect('ws://gpu-b.test:8188/api/ws?clientId=lb-2')
    expect(api.opened).toBe(true)
    api.socket.close()
    msw.cluster.model(B).setFault({ kind: 'refuse' })
    const refused = await connect('ws://gpu-b.test:8188/ws?clientId=lb-3')
    await settle()
    expect(refused.messages).toEqual([])
    expect(refused.socket.readyState).toBe(WebSocket.CLOSED)
  })
})
