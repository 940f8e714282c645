import { afterEach, describe, expect, it } from 'vitest'
import { ID_A, ID_B, loadAndSave, simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import type { PromptGraph } from '../../model/comfy-types'
import { type ComfySim, type ComfySimOptions, startComfySim } from '../server'
import { isStatus, postJson, WsClient, type WsMessage, waitUntil } from './helpers'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()))
})

async function start(options: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = await startComfySim(options.clock === undefined ? { timeScale: 0.01, ...options } : options)
  open.push(sim)
  return sim
}

/** Opens a socket and waits for the server's greeting. */
async function connect(url: string, headers?: Record<string, string>): Promise<WsClient> {
  const client = await WsClient.open(url, headers)
  open.unshift(client)
  await client.until((message) => message.type === 'status')
  return client
}

const isDone = (promptId: string) => (message: WsMessage) =>
  message.type === 'executing' && message.data.node === null && message.data.prompt_id === promptId

const graph = (): PromptGraph => ({
  ...loadAndSave(),
  '3': { class_type: 'SimWork', inputs: { ms: 300, images: ['1', 0] } },
})

describe('the /ws endpoint', () => {
  it('greets with status and sid, then sends one job in the order of comfyui-api.md section 7', async () => {
    const sim = await start()
    const ws = await connect(`${sim.wsUrl}?clientId=lb-backend-a`)
    expect(ws.messages[0]!.raw).toBe(
      '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": "lb-backend-a"}}',
    )
    const accepted = await postJson(`${sim.url}/prompt`, {
      prompt: graph(),
      prompt_id: ID_A,
      client_id: 'lb-backend-a',
    })
    expect(accepted.status).toBe(200)
    const messages = await ws.until(isDone(ID_A))
    const status = (remaining: number) => ({
      type: 'status',
      data: { status: { exec_info: { queue_remaining: remaining } } },
    })
    const stamped = { timestamp: expect.any(Number) }
    const file = (n: number) => ({
      images: [{ filename: `ComfyUI_0000${n}_.png`, subfolder: '', type: 'output' }],
    })
    expect(messages.map(({ type, data }) => ({ type, data }))).toEqual([
      { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'lb-backend-a' } },
      status(1), // queued
      status(1), // dequeued
      { type: 'execution_start', data: { prompt_id: ID_A, ...stamped } },
      { type: 'execution_cached', data: { nodes: [], prompt_id: ID_A, ...stamped } },
      { type: 'executing', data: { node: '1', display_node: '1', prompt_id: ID_A } },
      { type: 'executing', data: { node: '2', display_node: '2', prompt_id: ID_A } },
      { type: 'executed', data: { node: '2', display_node: '2', output: file(1), prompt_id: ID_A } },
      { type: 'executing', data: { node: '3', display_node: '3', prompt_id: ID_A } },
      { type: 'progress', data: { value: 1, max: 1, prompt_id: ID_A, node: '3' } },
      { type: 'executed', data: { node: '3', display_node: '3', output: file(2), prompt_id: ID_A } },
      { type: 'execution_success', data: { prompt_id: ID_A, ...stamped } },
      status(0), // history is written by now
      { type: 'executing', data: { node: null, prompt_id: ID_A } },
    ])
    const startedAt = messages[3]!.data.timestamp as number
    const endedAt = messages[11]!.data.timestamp as number
    expect(endedAt - startedAt).toBeGreaterThanOrEqual(299)
    // Waiting for executing null avoids the history race the doc describes.
    const history = await (await fetch(`${sim.url}/history/${ID_A}`)).json()
    expect(history[ID_A].status.status_str).toBe('success')
  })

  it('broadcasts status to every client and sends execution messages only to the submitter', async () => {
    const sim = await start()
    const submitter = await connect(`${sim.wsUrl}?clientId=lb`)
    const watcher = await connect(`${sim.url.replace('http', 'ws')}/api/ws?clientId=watcher`)
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_A, client_id: 'lb' })
    await submitter.until(isDone(ID_A))
    const seen = await watcher.until((message) => isStatus(0)(message) && message.data.sid === undefined)
    expect(seen.map((message) => message.type)).toEqual(['status', 'status', 'status', 'status'])
    expect(seen.slice(1).map((message) => message.raw)).toEqual([
      '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 1}}}}',
      '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 1}}}}',
      '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}}}',
    ])
  })

  it('broadcasts progress and execution_interrupted of a job without client_id, but nothing else', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    const ws = await connect(`${sim.wsUrl}?clientId=any`)
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_A })
    await clock.advance(100)
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_B })
    await postJson(`${sim.url}/interrupt`, {})
    const messages = await ws.until((message) => message.type === 'execution_interrupted')
    expect(messages.map((message) => message.type)).toEqual([
      'status',
      'status',
      'status',
      'progress',
      'status',
      'status',
      'status',
      'execution_interrupted',
    ])
  })

  it('gives a client without clientId a fresh uuid4().hex sid', async () => {
    const sim = await start()
    const bare = await connect(sim.wsUrl)
    const empty = await connect(`${sim.wsUrl}?clientId=`)
    const sids = [bare, empty].map((client) => client.messages[0]!.data.sid as string)
    for (const sid of sids) expect(sid).toMatch(/^[0-9a-f]{32}$/)
    expect(sids[0]).not.toBe(sids[1])
    await waitUntil(() => sim.wsClients === 2)
  })

  it('answers a first-frame feature_flags message with the server flags', async () => {
    const sim = await start()
    const ws = await connect(`${sim.wsUrl}?clientId=ff`)
    ws.send({ type: 'feature_flags', data: { supports_preview_metadata: true } })
    const [, reply] = await ws.until((message) => message.type === 'feature_flags')
    expect(reply!.data).toEqual({ supports_preview_metadata: true, max_upload_size: 104_857_600 })
  })
})

describe('reconnecting with the same clientId', () => {
  /**
   * A second socket takes over clientId `lb` while its job runs, then the first one closes. Returns
   * what the second socket received by the time the job is over.
   */
  async function takeOver(reconnectBug: boolean): Promise<WsMessage[]> {
    const clock = createTestClock(0)
    const sim = await start({ clock, reconnectBug })
    const first = await connect(`${sim.wsUrl}?clientId=lb`)
    await postJson(`${sim.url}/prompt`, { prompt: simWork(100), prompt_id: ID_A, client_id: 'lb' })
    await first.until((message) => message.type === 'executing')
    const second = await connect(`${sim.wsUrl}?clientId=lb`)
    const witness = await connect(`${sim.wsUrl}?clientId=witness`)
    await second.until((message) => message.type === 'executing')
    await first.close()
    await waitUntil(() => sim.wsClients === 2, 'the server to see the first socket close')
    await clock.advance(100)
    await witness.until(isStatus(0))
    // A round trip on the second socket: anything sent to it before is in by the time this is.
    second.send({ type: 'feature_flags', data: {} })
    const received = await second.until((message) => message.type === 'feature_flags')
    return received.slice(0, -1)
  }

  it('replays the running node to the new socket, which then gets the job end', async () => {
    const received = await takeOver(false)
    expect(received[1]!.raw).toBe('{"type": "executing", "data": {"node": "1"}}')
    expect(received.map((message) => message.type)).toEqual([
      'status',
      'executing',
      'progress',
      'executed',
      'execution_success',
      'status',
      'executing',
    ])
  })

  it('with reconnectBug, reproduces ComfyUI #16010: the new socket gets nothing once the old one closes', async () => {
    const received = await takeOver(true)
    expect(received.map((message) => message.type)).toEqual(['status', 'executing'])
  })
})
