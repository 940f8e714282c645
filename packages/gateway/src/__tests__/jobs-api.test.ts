import { describe, expect, it } from 'vitest'
import { comfyCalls, type Loose, listen, workThenSave } from './client-calls.js'
import { useGateway } from './gateway-harness.js'

const startGateway = useGateway()
const HOUR = 3_600_000
const done = (id: string) => (m: { type: string; data: Record<string, Loose> }) =>
  m.type === 'executing' && m.data.node === null && m.data.prompt_id === id
const started = (id: string) => (m: { type: string; data: Record<string, Loose> }) =>
  m.type === 'execution_start' && m.data.prompt_id === id
const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`
const inWorkflow = (workflow: string) => ({ extra_pnginfo: { workflow: { id: workflow } } })
const idsOf = (body: Loose): string[] => body.jobs.map((job: Loose) => job.id)

describe('/api/jobs as one ComfyUI for the caller', () => {
  it('lists, filters, sorts, pages, details and cancels the caller’s jobs', async () => {
    const { url } = await startGateway([{}])
    const client = comfyCalls(url)
    const socket = await listen(url, 'j1')
    try {
      const post = (n: number, ms: number, workflow: string) =>
        client.post('/prompt', {
          prompt: workThenSave(ms),
          prompt_id: ID(n),
          client_id: 'j1',
          extra_data: inWorkflow(workflow),
        })
      await post(1, 10, 'wf-a')
      await socket.until(done(ID(1)))
      // 2 runs, 3 waits on the server's own queue, 4 in the gateway: both pending.
      for (const n of [2, 3, 4]) await post(n, HOUR, 'wf-b')
      await socket.until(started(ID(2)))

      const all = (await client.get('/api/jobs')).body!
      expect(all.pagination).toEqual({ offset: 0, limit: null, total: 4, has_more: false })
      const byId = Object.fromEntries(all.jobs.map((job: Loose) => [job.id, job]))
      expect(byId[ID(1)]).toEqual({
        id: ID(1),
        status: 'completed',
        priority: 0,
        create_time: expect.any(Number),
        execution_start_time: expect.any(Number),
        execution_end_time: expect.any(Number),
        outputs_count: expect.any(Number),
        preview_output: expect.objectContaining({ type: 'output', mediaType: 'images' }),
        workflow_id: 'wf-a',
      })
      expect(byId[ID(2)]).toEqual({
        id: ID(2),
        status: 'in_progress',
        priority: 1,
        create_time: expect.any(Number),
        outputs_count: 0,
        workflow_id: 'wf-b',
      })
      expect([byId[ID(3)].status, byId[ID(4)].status]).toEqual(['pending', 'pending'])
      // Newest first by default; oldest first on asking.
      const times = all.jobs.map((job: Loose) => job.create_time)
      expect(times).toEqual([...times].sort((a, b) => b - a))
      expect(all.jobs.at(-1).id).toBe(ID(1))
      expect(idsOf((await client.get('/api/jobs?sort_order=asc')).body)[0]).toBe(ID(1))
      // Only finished jobs have a duration: the finished one sorts last ascending, first descending.
      const longest = (await client.get('/api/jobs?sort_by=execution_duration&sort_order=desc')).body!
      expect(longest.jobs[0].id).toBe(ID(1))

      expect(idsOf((await client.get('/api/jobs?status=pending&sort_order=asc')).body).sort()).toEqual([
        ID(3),
        ID(4),
      ])
      expect(idsOf((await client.get('/api/jobs?status=Completed,%20in_progress')).body).sort()).toEqual([
        ID(1),
        ID(2),
      ])
      expect(idsOf((await client.get('/api/jobs?workflow_id=wf-a')).body)).toEqual([ID(1)])
      const page = (await client.get('/api/jobs?limit=2&offset=1')).body!
      expect(page.jobs).toEqual(all.jobs.slice(1, 3))
      expect(page.pagination).toEqual({ offset: 1, limit: 2, total: 4, has_more: true })
      const last = (await client.get('/api/jobs?limit=2&offset=3')).body!
      expect(last.pagination).toEqual({ offset: 3, limit: 2, total: 4, has_more: false })
      expect((await client.get('/api/jobs?offset=-5')).body!.pagination.offset).toBe(0)

      const detail = (await client.get(`/api/jobs/${ID(1)}`)).body!
      const history = (await client.get(`/history/${ID(1)}`)).body![ID(1)]
      // Every output item counts; the preview is the first saved file, with its node and media type.
      const items = Object.entries(history.outputs).flatMap(([node, output]: [string, Loose]) =>
        output.images.map((image: Loose) => ({ ...image, nodeId: node, mediaType: 'images' })),
      )
      expect(detail.outputs_count).toBe(items.length)
      expect(detail.preview_output).toEqual(items[0])
      expect(detail).toEqual({
        ...byId[ID(1)],
        outputs: history.outputs,
        execution_status: history.status,
        workflow: { prompt: workThenSave(10), extra_data: history.prompt[3] },
      })
      expect((await client.get(`/api/jobs/${ID(2)}`)).body).toEqual(byId[ID(2)])
      expect(await client.get(`/api/jobs/${ID(9)}`)).toEqual({
        status: 404,
        body: { error: 'Job not found' },
      })

      // The one in the gateway, then (at once) the one on the server's queue and the running one.
      expect((await client.post(`/api/jobs/${ID(4)}/cancel`, {})).body).toEqual({ cancelled: true })
      expect((await client.post('/api/jobs/cancel', { job_ids: [ID(3), ID(2)] })).body).toEqual({
        cancelled: true,
      })
      await socket.until(done(ID(2)))
      const after = (await client.get('/api/jobs?sort_order=asc')).body!
      // Dequeued prompts leave no trace, as in ComfyUI; the interrupted one is in history as cancelled.
      expect(after.jobs.map((job: Loose) => [job.id, job.status])).toEqual([
        [ID(1), 'completed'],
        [ID(2), 'cancelled'],
      ])
      expect((await client.get(`/api/jobs/${ID(3)}`)).status).toBe(404)
      // Finished and unknown jobs: a no-op.
      expect((await client.post(`/api/jobs/${ID(1)}/cancel`, {})).body).toEqual({ cancelled: false })
      expect((await client.post('/api/jobs/cancel', { job_ids: [ID(1), ID(9)] })).body).toEqual({
        cancelled: false,
      })
    } finally {
      socket.close()
    }
  })

  it('answers bad parameters and bodies with ComfyUI’s 400s', async () => {
    const { url } = await startGateway([{}])
    const client = comfyCalls(url)
    const error = async (path: string) => {
      const answer = await client.get(path)
      expect(answer.status).toBe(400)
      return answer.body!.error
    }
    expect(await error('/api/jobs?status=pending,done')).toBe(
      'Invalid status value(s): done. Valid values: pending, in_progress, completed, failed, cancelled',
    )
    expect(await error('/api/jobs?sort_by=name')).toBe("sort_by must be 'created_at' or 'execution_duration'")
    expect(await error('/api/jobs?sort_order=up')).toBe("sort_order must be 'asc' or 'desc'")
    expect(await error('/api/jobs?limit=0')).toBe('limit must be a positive integer')
    expect(await error('/api/jobs?limit=ten')).toBe('limit must be an integer')
    expect(await error('/api/jobs?offset=1.5')).toBe('offset must be an integer')
    const cancel = (body: string) =>
      client.json('/api/jobs/cancel', { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } })
    expect(await cancel('{')).toEqual({ status: 400, body: { error: 'Request body must be valid JSON' } })
    expect(await cancel('{"job_ids": "x"}')).toEqual({
      status: 400,
      body: { error: 'job_ids must be a list' },
    })
    expect(await cancel(`{"job_ids": ["${ID(1)}", "NOPE", 42, null]}`)).toEqual({
      status: 400,
      body: { error: 'job_ids contains invalid id(s)', invalid_ids: ['NOPE', '42', 'None'] },
    })
    expect((await cancel('{"job_ids": []}')).body).toEqual({ cancelled: false })
  })

  it('keeps each token’s jobs to itself', async () => {
    const { url } = await startGateway([{}], { tokens: ['alpha-token', 'beta-token'] })
    const alpha = comfyCalls(url, 'alpha-token')
    const beta = comfyCalls(url, 'beta-token')
    const socket = await listen(url, 'ja', 'alpha-token')
    try {
      await alpha.post('/prompt', { prompt: workThenSave(10), prompt_id: ID(1), client_id: 'ja' })
      await socket.until(done(ID(1)))
      await alpha.post('/prompt', { prompt: workThenSave(HOUR), prompt_id: ID(2), client_id: 'ja' })
      await socket.until(started(ID(2)))
      expect(idsOf((await alpha.get('/api/jobs')).body).sort()).toEqual([ID(1), ID(2)])
      expect((await beta.get('/api/jobs')).body).toEqual({
        jobs: [],
        pagination: { offset: 0, limit: null, total: 0, has_more: false },
      })
      for (const id of [ID(1), ID(2)]) expect((await beta.get(`/api/jobs/${id}`)).status).toBe(404)
      expect((await beta.post(`/api/jobs/${ID(2)}/cancel`, {})).body).toEqual({ cancelled: false })
      expect((await beta.post('/api/jobs/cancel', { job_ids: [ID(2)] })).body).toEqual({ cancelled: false })
      expect((await alpha.get(`/api/jobs/${ID(2)}`)).body!.status).toBe('in_progress')
      expect((await comfyCalls(url).get('/api/jobs')).status).toBe(401)
      expect((await alpha.post(`/api/jobs/${ID(2)}/cancel`, {})).body).toEqual({ cancelled: true })
      await socket.until(done(ID(2)))
      expect((await alpha.get(`/api/jobs/${ID(2)}`)).body!.status).toBe('cancelled')
    } finally {
      socket.close()
    }
  })
})
