import { describe, expect, it, vi } from 'vitest'
import { ID_A, ID_B, loadAndSave, simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import { createMswCluster } from '../cluster'
import { useMswCluster } from '../use-msw-cluster'
import { postJson } from './post-json'

const msw = useMswCluster()
const A = 'http://gpu-a.test:8188'

function setup() {
  const cluster = msw.install([{ url: A }, { url: 'http://proxy.test/comfy/b', id: 'b' }], createTestClock(0))
  return { clock: cluster.clock, cluster, model: cluster.model(A) }
}

describe('comfyHandlers routes', () => {
  it.each(['', '/api'])('serves the probe and queue routes under "%s"', async (prefix) => {
    const { clock, model } = setup()
    const accepted = await postJson(`${A}${prefix}/prompt`, {
      prompt: simWork(100),
      prompt_id: ID_A,
      client_id: 'lb',
    })
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toEqual({ prompt_id: ID_A, number: 0, node_errors: {} })

    const info = await fetch(`${A}${prefix}/prompt`)
    expect(info.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await info.text()).toBe('{"exec_info": {"queue_remaining": 1}}')
    const queue = await (await fetch(`${A}${prefix}/queue`)).json()
    expect(queue).toEqual(model.queueSnapshot())
    expect((await (await fetch(`${A}${prefix}/system_stats`)).json()).system.comfyui_version).toBe('0.26.0')
    expect(await (await fetch(`${A}${prefix}/history/${ID_A}`)).json()).toEqual({})

    await clock.advance(100)
    const history = await (await fetch(`${A}${prefix}/history/${ID_A}`)).json()
    expect(history).toEqual(model.history(ID_A))
    expect(Object.keys(await (await fetch(`${A}${prefix}/history?max_items=1`)).json())).toEqual([ID_A])
    expect(await (await fetch(`${A}${prefix}/api/jobs/${ID_A}`)).json()).toMatchObject({
      id: ID_A,
      status: 'completed',
    })
  })

  it('answers POST /prompt with 400 for validation errors and a plain 500 for invalid JSON', async () => {
    setup()
    const rejected = await postJson(`${A}/prompt`, { prompt: { '1': { class_type: 'LoadImage' } } })
    expect(rejected.status).toBe(400)
    expect(await rejected.json()).toMatchObject({ error: { type: 'prompt_no_outputs' }, node_errors: {} })
    const broken = await postJson(`${A}/prompt`, '{"prompt": ')
    expect(broken.status).toBe(500)
    expect(broken.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await broken.text()).toBe('500 Internal Server Error\n\nServer got itself in trouble')
  })

  it('copies the Comfy-Usage-Source header into extra_data', async () => {
    const { model } = setup()
    await postJson(`${A}/prompt`, { prompt: loadAndSave() }, { headers: { 'Comfy-Usage-Source': 'lb' } })
    expect(model.queueSnapshot().queue_running[0]![3]).toMatchObject({ comfy_usage_source: 'lb' })
  })

  it('handles POST /queue delete and clear, and POST /interrupt, with empty 200s', async () => {
    const { model } = setup()
    for (const id of [ID_A, ID_B]) await postJson(`${A}/prompt`, { prompt: simWork(100), prompt_id: id })
    await postJson(`${A}/prompt`, { prompt: simWork(100) })
    const deleted = await postJson(`${A}/queue`, { delete: [ID_B] })
    expect(deleted.status).toBe(200)
    expect(await deleted.text()).toBe('')
    expect(model.queueRemaining).toBe(2)
    await postJson(`${A}/api/queue`, { clear: true })
    expect(model.queueRemaining).toBe(1)
    expect((await postJson(`${A}/queue`, 'nope')).status).toBe(500)

    const other = await postJson(`${A}/interrupt`, { prompt_id: ID_B })
    expect([other.status, await other.text(), model.queueRemaining]).toEqual([200, '', 1])
    await fetch(`${A}/interrupt`, { method: 'POST' })
    expect(model.queueRemaining).toBe(0)
    expect(model.log[0]!.outcome).toBe('interrupted')
  })

  it('answers 404 {"error": "Job not found"} for an unknown job and 500 for a bad max_items', async () => {
    setup()
    const job = await fetch(`${A}/api/jobs/${ID_A}`)
    expect(job.status).toBe(404)
    expect(await job.text()).toBe('{"error": "Job not found"}')
    expect((await fetch(`${A}/history?max_items=ten`)).status).toBe(500)
  })

  it('serves /view only for files this server wrote', async () => {
    const { clock, cluster } = setup()
    await postJson(`${A}/prompt`, { prompt: loadAndSave(), prompt_id: ID_A })
    await clock.advance(0)
    const image = await fetch(`${A}/view?filename=ComfyUI_00001_.png&type=output&subfolder=`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect([...new Uint8Array(await image.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])
    expect((await fetch(`${A}/view?filename=ComfyUI_00002_.png`)).status).toBe(404)
    expect((await fetch(`${A}/view?filename=../etc/passwd`)).status).toBe(400)
    expect((await fetch(`${A}/view`)).status).toBe(404)
    // Outputs live on the server that ran the job.
    expect((await fetch('http://proxy.test/comfy/b/view?filename=ComfyUI_00001_.png')).status).toBe(404)
    expect(cluster.model('b').requestCounts.view).toBe(1)
  })

  it('routes a base URL with a path prefix, and counts requests and bytes per endpoint', async () => {
    const { cluster } = setup()
    const b = cluster.model('b')
    const body = await (await fetch('http://proxy.test/comfy/b/api/prompt')).text()
    await fetch('http://proxy.test/comfy/b/queue')
    expect(b.requestCounts).toMatchObject({ prompt: 1, queue: 1, system_stats: 0 })
    expect(b.bytesSent.prompt).toBe(body.length)
    expect(b.bytesSent.queue).toBe('{"queue_running": [], "queue_pending": []}'.length)
    expect(cluster.model(A).requestCounts.prompt).toBe(0)
  })

  it('leaves unknown servers and routes unhandled, so the test sees them', async () => {
    setup()
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    await expect(fetch('http://gpu-z.test:8188/prompt')).rejects.toThrow()
    await expect(fetch('http://proxy.test/other/prompt')).rejects.toThrow()
    await expect(fetch(`${A}/no_such_route`)).rejects.toThrow()
    expect(error).toHaveBeenCalled()
  })

  it('rejects duplicate base URLs and unknown lookups with a clear message', () => {
    const clock = createTestClock()
    expect(() => createMswCluster([{ url: A }, { url: `${A}/` }], clock)).toThrow(/share the base URL/)
    expect(() => createMswCluster([{ url: A }], clock).model('nope')).toThrow(
      /no server with URL or id "nope"/,
    )
  })
})
