import { isJsonObject } from '@comfy-balancer/comfyui-rules'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'
import { acceptPrompt } from '../jobs/accept-prompt.js'
import { stopJob } from '../jobs/stop-job.js'

/** `/prompt`, `/queue`, `/interrupt` and `/history`: the caller's prompts as one virtual ComfyUI. */
export function jobRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { jobs, sockets } = context

  app.get('/prompt', async (request) => ({ exec_info: { queue_remaining: jobs.remaining(request.owner) } }))

  app.post('/prompt', async (request, reply) => {
    const answer = await acceptPrompt(request.body, request.owner, context)
    if (answer.job !== undefined) {
      jobs.add(answer.job)
      context.run(answer.job)
      sockets.statusSoon(request.owner, () => jobs.remaining(request.owner))
    }
    return reply.code(answer.status).send(answer.body)
  })

  app.get('/queue', async (request) => jobs.queueView(request.owner))

  app.post('/queue', async (request, reply) => {
    const body = record(request.body)
    const { pending } = jobs.queue(request.owner)
    const ids = body.clear === true ? pending.map((job) => job.promptId) : strings(body.delete)
    for (const id of ids) {
      const job = jobs.get(id, request.owner)
      // ComfyUI's delete never touches a running prompt.
      if (job === undefined || job.status !== 'pending') continue
      await stopJob(context, job, 'remove')
    }
    return reply.code(200).send()
  })

  app.post('/interrupt', async (request, reply) => {
    const body = record(request.body)
    const id = typeof body.prompt_id === 'string' ? body.prompt_id : undefined
    // Without an id: the caller's running prompts, never anyone else's.
    const targets = id === undefined ? jobs.queue(request.owner).running : [jobs.get(id, request.owner)]
    for (const job of targets) {
      if (job === undefined || job.status === 'done') continue
      await stopJob(context, job, 'interrupt')
    }
    return reply.code(200).send()
  })

  /** How long a history read waits for a job whose outputs all came (its entry is moments away). */
  const settleMs = 5_000
  const settle = (owner: string, promptId?: string) =>
    Promise.all(jobs.almostDone(owner, promptId).map((job) => jobs.settled(job.promptId, settleMs)))

  app.get('/history', async (request) => {
    const query = record(request.query)
    await settle(request.owner)
    return jobs.history(request.owner, {
      ...(query.max_items === undefined ? {} : { maxItems: wholeNumber(query.max_items, 'max_items') }),
      ...(query.offset === undefined ? {} : { offset: wholeNumber(query.offset, 'offset') }),
    })
  })

  app.get<{ Params: { id: string } }>('/history/:id', async (request) => {
    await settle(request.owner, request.params.id)
    return jobs.historyOf(request.owner, request.params.id)
  })

  app.post('/history', async (request, reply) => {
    const body = record(request.body)
    if (body.clear === true) jobs.deleteHistory(request.owner, 'all')
    jobs.deleteHistory(request.owner, strings(body.delete))
    return reply.code(200).send()
  })
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

/** A query number; ComfyUI answers 500 for a bad one, the gateway a 400 that says which. */
function wholeNumber(value: unknown, name: string): number {
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (Number.isNaN(parsed))
    throw Object.assign(new Error(`${name} must be a whole number`), { statusCode: 400 })
  return parsed
}

function record(value: unknown): Record<string, unknown> {
  return isJsonObject(value) ? value : {}
}
