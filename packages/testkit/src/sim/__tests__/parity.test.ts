// The real server and the msw handlers serve the same model through the same Request → Response
// function; this runs one script of requests against both and compares every answer byte for byte.
import { afterEach, describe, expect, it } from 'vitest'
import { ID_A, ID_B, ID_C, loadAndSave } from '../../__tests__/fixtures'
import { createTestClock, type TestClock } from '../../clock'
import type { PromptGraph } from '../../model/comfy-types'
import type { ComfyModel } from '../../model/types'
import { useMswCluster } from '../../msw/use-msw-cluster'
import { type ComfySim, startComfySim } from '../server'
import { postJson } from './helpers'

const MSW_URL = 'http://gpu-a.test:8188'
// 'bypass': the same test also talks to the real simulator on 127.0.0.1.
const msw = useMswCluster(undefined, { onUnhandledRequest: 'bypass' })

const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

const work = (ms: number): PromptGraph => ({
  ...loadAndSave(),
  '3': { class_type: 'SimWork', inputs: { ms, images: ['1', 0] } },
})

interface Answer {
  step: string
  status: number
  contentType: string | null
  contentLength: string | null
  body: string
}

/** The same requests, in the same order and at the same clock times, against one face. */
async function script(base: string, clock: TestClock): Promise<Answer[]> {
  const answers: Answer[] = []
  const record = async (step: string, response: Promise<Response>) => {
    const res = await response
    answers.push({
      step,
      status: res.status,
      contentType: res.headers.get('content-type'),
      contentLength: res.headers.get('content-length'),
      body: Buffer.from(await res.arrayBuffer()).toString('latin1'),
    })
  }
  const get = (path: string) => fetch(`${base}${path}`)
  await record('GET /prompt idle', get('/prompt'))
  await record(
    'POST /prompt A',
    postJson(`${base}/prompt`, { prompt: work(100), prompt_id: ID_A, client_id: 'lb' }),
  )
  await record(
    'POST /prompt B',
    postJson(`${base}/prompt`, { prompt: work(50), prompt_id: ID_B, extra_data: { x: 'é' } }),
  )
  await record(
    'POST /api/prompt C front',
    postJson(
      `${base}/api/prompt`,
      { prompt: work(10), prompt_id: ID_C, front: true },
      { headers: { 'Comfy-Usage-Source': 'lb' } },
    ),
  )
  await record(
    'POST /prompt no outputs',
    postJson(`${base}/prompt`, { prompt: { '1': { class_type: 'LoadImage' } } }),
  )
  await record('POST /prompt bad id', postJson(`${base}/prompt`, { prompt: work(1), prompt_id: 'nope' }))
  await record('POST /prompt no prompt', postJson(`${base}/prompt`, {}))
  await record('POST /prompt invalid JSON', postJson(`${base}/prompt`, '{"prompt": '))
  await record('POST /prompt bad number', postJson(`${base}/prompt`, { prompt: work(1), number: 'x' }))
  await record('GET /prompt busy', get('/prompt'))
  await record('GET /queue', get('/queue'))
  await record('GET /api/queue', get('/api/queue'))
  await record('GET /history/A running', get(`/history/${ID_A}`))
  await record('GET /api/jobs/A', get(`/api/jobs/${ID_A}`))
  await record('GET /api/api/jobs/B', get(`/api/api/jobs/${ID_B}`))
  await record('GET /api/jobs/unknown', get('/api/jobs/unknown'))
  await record('POST /queue delete C', postJson(`${base}/queue`, { delete: [ID_C] }))
  await record('POST /queue invalid', postJson(`${base}/queue`, 'nope'))
  await clock.advance(100)
  await record('GET /history', get('/history'))
  await record('GET /history?max_items=1', get('/history?max_items=1'))
  await record('GET /api/history?offset=0', get('/api/history?offset=0'))
  await record('GET /history?max_items=ten', get('/history?max_items=ten'))
  await record('GET /history/A', get(`/history/${ID_A}`))
  await record('GET /api/jobs/A done', get(`/api/jobs/${ID_A}`))
  await record('GET /view file', get('/view?filename=ComfyUI_00001_.png&type=output&subfolder='))
  await record('GET /api/view missing', get('/api/view?filename=ComfyUI_00009_.png'))
  await record('GET /view traversal', get('/view?filename=../etc/passwd'))
  await record('GET /view bad type', get('/view?filename=ComfyUI_00001_.png&type=models'))
  await record('GET /view no filename', get('/view'))
  await record('POST /interrupt other', postJson(`${base}/interrupt`, { prompt_id: ID_C }))
  await record('POST /interrupt list', postJson(`${base}/interrupt`, '[]'))
  await record('POST /interrupt all', fetch(`${base}/interrupt`, { method: 'POST' }))
  await record('GET /history after interrupt', get(`/history/${ID_B}`))
  await record('POST /history delete A', postJson(`${base}/history`, { delete: [ID_A, 'unknown'] }))
  await record('GET /history after delete', get('/history'))
  await record('POST /api/history clear', postJson(`${base}/api/history`, { clear: true }))
  await record('POST /history invalid', postJson(`${base}/history`, ''))
  await record('GET /history empty', get('/history'))
  await record('GET /system_stats', get('/system_stats'))
  await record('GET /api/system_stats', get('/api/system_stats'))
  await record('HEAD /prompt', fetch(`${base}/prompt`, { method: 'HEAD' }))
  return answers
}

async function setupBoth(): Promise<{
  sim: ComfySim
  simClock: TestClock
  mswModel: ComfyModel
  mswClock: TestClock
}> {
  const simClock = createTestClock(0)
  const sim = await startComfySim({ clock: simClock })
  sims.push(sim)
  const cluster = msw.install([{ url: MSW_URL }], createTestClock(0))
  return { sim, simClock, mswModel: cluster.model(MSW_URL), mswClock: cluster.clock }
}

describe('the real server and the msw handlers', () => {
  it('answer the same script of requests identically: status, content type, length and bytes', async () => {
    const { sim, simClock, mswClock } = await setupBoth()
    const overHttp = await script(sim.url, simClock)
    const overMsw = await script(MSW_URL, mswClock)
    expect(overHttp).toEqual(overMsw)
    // A few spot checks that the script exercised what it claims to.
    const byStep = new Map(overHttp.map((answer) => [answer.step, answer]))
    expect(byStep.get('GET /prompt busy')!.body).toBe('{"exec_info": {"queue_remaining": 3}}')
    expect(byStep.get('POST /prompt invalid JSON')!.status).toBe(500)
    expect(byStep.get('GET /api/jobs/unknown')!.status).toBe(404)
    expect(byStep.get('GET /view file')!.contentType).toBe('image/png')
    expect(JSON.parse(byStep.get('GET /history after interrupt')!.body)[ID_B].status.status_str).toBe('error')
    expect(byStep.get('GET /history empty')!.body).toBe('{}')
    expect(byStep.get('HEAD /prompt')).toMatchObject({ status: 200, body: '', contentLength: '37' })
  })

  it('count the same requests and the same body bytes per endpoint', async () => {
    const { sim, simClock, mswModel, mswClock } = await setupBoth()
    await script(sim.url, simClock)
    await script(MSW_URL, mswClock)
    expect(sim.requestCounts).toEqual(mswModel.requestCounts)
    expect(sim.bytesSent).toEqual(mswModel.bytesSent)
    expect(sim.log).toEqual(mswModel.log)
  })

  it('count the bytes the server really wrote', async () => {
    const { sim } = await setupBoth()
    let received = 0
    for (const path of ['/queue', '/prompt', '/api/queue']) {
      received += (await (await fetch(`${sim.url}${path}`)).arrayBuffer()).byteLength
    }
    await postJson(`${sim.url}/prompt`, { prompt: work(10), prompt_id: ID_A })
    const queue = await (await fetch(`${sim.url}/queue`)).arrayBuffer()
    expect(sim.bytesSent.queue).toBe(
      queue.byteLength + '{"queue_running": [], "queue_pending": []}'.length * 2,
    )
    expect(received).toBe('{"queue_running": [], "queue_pending": []}'.length * 2 + 37)
  })
})
