import { isJsonObject } from '@comfy-balancer/comfyui-rules'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'
import { type GatewayJob, historyEntry } from '../jobs/gateway-job.js'
import { stopJob } from '../jobs/stop-job.js'

/** What the jobs API reads and acts on: the job table, and the balancer to stop jobs. */
export type JobsApiContext = Pick<GatewayContext, 'balancer' | 'jobs' | 'bus'>

const STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled']
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
// comfy_execution/jobs.py (0.26): what the frontend can preview.
const PREVIEWABLE = new Set(['images', 'video', 'audio', '3d', 'text'])
const THREE_D = ['.obj', '.fbx', '.gltf', '.glb']

type Json = Record<string, unknown>
interface ListQuery {
  readonly statuses: readonly string[] | undefined
  readonly workflowId: string | undefined
  readonly sortBy: string
  readonly descending: boolean
  readonly limit: number | undefined
  readonly offset: number
}

/**
 * ComfyUI's jobs API, as one virtual ComfyUI for the caller: `GET /api/jobs` (filter, sort,
 * paginate), `GET /api/jobs/{id}` (0.6.0+), `POST /api/jobs/{id}/cancel` and `POST /api/jobs/cancel`
 * (0.26.0). Someone else's job is as unknown as one that never was. Register it at the root: the
 * paths carry their `/api` (ComfyUI serves no `/jobs`; its `/api/api/jobs` mirror is not needed).
 */
export function jobsApiRoutes(app: FastifyInstance, context: JobsApiContext): void {
  const { jobs } = context
  app.register(async (scope) => {
    // ComfyUI reads these bodies with `request.json()` whatever their type, with its own 400 for bad JSON.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))

    scope.get('/api/jobs', async (request, reply) => {
      const query = listQuery(request.query as Record<string, unknown>)
      if (typeof query === 'string') return reply.code(400).send({ error: query })
      const { running, pending } = jobs.queue(request.owner)
      let found = [...running, ...pending, ...jobs.finished(request.owner)]
        .filter((job) => job.removed !== true)
        .map((job) => jobView(job, false))
      if (query.statuses !== undefined) found = found.filter((job) => query.statuses!.includes(job.status))
      if (query.workflowId !== undefined) found = found.filter((job) => job.workflow_id === query.workflowId)
      const key = query.sortBy === 'execution_duration' ? durationOf : createdAt
      // Stable, as Python's `sorted`: ties keep running, pending, then history order either way.
      found.sort((a, b) => (query.descending ? key(b) - key(a) : key(a) - key(b)))
      const page = found.slice(
        query.offset,
        query.limit === undefined ? undefined : query.offset + query.limit,
      )
      return {
        jobs: page,
        pagination: {
          offset: query.offset,
          limit: query.limit ?? null,
          total: found.length,
          has_more: query.offset + page.length < found.length,
        },
      }
    })

    scope.get<{ Params: { id: string } }>('/api/jobs/:id', async (request, reply) => {
      if (request.params.id === '') return reply.code(400).send({ error: 'job_id is required' })
      const job = jobs.get(request.params.id, request.owner)
      if (job === undefined || job.removed === true) return reply.code(404).send({ error: 'Job not found' })
      return jobView(job, true)
    })

    scope.post<{ Params: { id: string } }>('/api/jobs/:id/cancel', async (request, reply) => {
      if (request.params.id === '') return reply.code(400).send({ error: 'job_id is required' })
      return { cancelled: await cancel(context, request.owner, request.params.id) }
    })

    scope.post('/api/jobs/cancel', async (request, reply) => {
      let body: unknown
      try {
        body = JSON.parse(typeof request.body === 'string' ? request.body : '')
      } catch {
        return reply.code(400).send({ error: 'Request body must be valid JSON' })
      }
      const ids = isJsonObject(body) ? body.job_ids : undefined
      if (!Array.isArray(ids)) return reply.code(400).send({ error: 'job_ids must be a list' })
      const invalid = ids.filter((id) => typeof id !== 'string' || !UUID.test(id)).map(pythonRepr)
      if (invalid.length > 0)
        return reply.code(400).send({ error: 'job_ids contains invalid id(s)', invalid_ids: invalid })
      // Best effort, one by one as ComfyUI: finished and unknown ids are no-ops, not errors.
      let cancelled = false
      for (const id of ids as string[]) if (await cancel(context, request.owner, id)) cancelled = true
      return { cancelled }
    })
  })
}

/**
 * Stops the caller's job as the gateway's `/queue` delete (a pending one: taken out of the line
 * wherever it waits, no history) or `/interrupt` (a running one: interrupted, in history as
 * cancelled) do. True when the balancer stopped it; finished, unknown and others' jobs are no-ops.
 */
async function cancel(context: JobsApiContext, owner: string, id: string): Promise<boolean> {
  const job = context.jobs.get(id, owner)
  if (job === undefined || job.status === 'done' || job.removed === true) return false
  return stopJob(context, job, job.status === 'pending' ? 'remove' : 'interrupt')
}

/** The list query as ComfyUI's `get_jobs` reads it, or its 400 message. */
function listQuery(raw: Record<string, unknown>): ListQuery | string {
  // aiohttp's `query.get` takes a repeated parameter's first value.
  const get = (name: string) => {
    const value = raw[name]
    return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined
  }
  const status = get('status')
  const statuses = status
    ? status
        .split(',')
        .map((item) => item.trim().toLowerCase())
        .filter((item) => item !== '')
    : undefined
  const invalid = statuses?.filter((item) => !STATUSES.includes(item)) ?? []
  if (invalid.length > 0)
    return `Invalid status value(s): ${invalid.join(', ')}. Valid values: ${STATUSES.join(', ')}`
  const sortBy = (get('sort_by') ?? 'created_at').toLowerCase()
  if (sortBy !== 'created_at' && sortBy !== 'execution_duration')
    return "sort_by must be 'created_at' or 'execution_duration'"
  const sortOrder = (get('sort_order') ?? 'desc').toLowerCase()
  if (sortOrder !== 'asc' && sortOrder !== 'desc') return "sort_order must be 'asc' or 'desc'"
  const limitText = get('limit')
  const limit = limitText === undefined ? undefined : pythonInt(limitText)
  if (Number.isNaN(limit)) return 'limit must be an integer'
  if (limit !== undefined && limit <= 0) return 'limit must be a positive integer'
  const offsetText = get('offset')
  const offset = offsetText === undefined ? 0 : pythonInt(offsetText)
  if (Number.isNaN(offset)) return 'offset must be an integer'
  const workflowId = get('workflow_id')
  return {
    statuses,
    workflowId: workflowId === '' ? undefined : workflowId,
    sortBy,
    descending: sortOrder === 'desc',
    limit,
    // A negative offset reads as 0, as ComfyUI does.
    offset: Math.max(0, offset),
  }
}

/** Python's `int(text)` for the forms a query carries: sign, digits, `_` between digits, spaces around. */
function pythonInt(text: string): number {
  return /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(text) ? Number(text.replace(/_/g, '').trim()) : Number.NaN
}

/**
 * A job as `normalize_queue_item` / `normalize_history_item` shape it (ComfyUI 0.26), null fields
 * pruned; `detail` adds a finished job's outputs, status and workflow. A finished job is read from
 * its history entry, so `/api/jobs` and `/history` always agree.
 */
function jobView(job: GatewayJob, detail: boolean): Json & { status: string } {
  const extraData = job.extraData
  const pngInfo = isJsonObject(extraData.extra_pnginfo) ? extraData.extra_pnginfo : {}
  const workflow = isJsonObject(pngInfo.workflow) ? pngInfo.workflow : {}
  const head = (status: string) => ({
    id: job.promptId,
    status,
    priority: job.number,
    create_time: extraData.create_time,
  })
  if (job.status !== 'done') {
    const status = job.status === 'running' ? 'in_progress' : 'pending'
    return pruned({ ...head(status), outputs_count: 0, workflow_id: workflow.id })
  }
  const entry = historyEntry(job)
  const state = entry.status as { status_str: string; messages: Array<[string, Json]> }
  let start: unknown
  let end: unknown
  let error: unknown
  let interrupted = false
  for (const [type, data] of state.messages) {
    if (type === 'execution_start') start = data.timestamp
    if (type === 'execution_success' || type === 'execution_error' || type === 'execution_interrupted') {
      end = data.timestamp
      if (type === 'execution_error') error = data
      if (type === 'execution_interrupted') interrupted = true
    }
  }
  const failed = interrupted ? 'cancelled' : 'failed'
  const { count, preview } = outputsSummary(job.outputs)
  const view = pruned({
    ...head(state.status_str === 'error' ? failed : 'completed'),
    execution_start_time: start,
    execution_end_time: end,
    execution_error: error,
    outputs_count: count,
    preview_output: preview,
    workflow_id: workflow.id,
  })
  if (!detail) return view
  return {
    ...view,
    outputs: entry.outputs,
    execution_status: state,
    workflow: { prompt: job.prompt, extra_data: extraData },
  }
}

/** `get_outputs_summary`: every output item counts; the preview is the first saved one, else any. */
function outputsSummary(outputs: Record<string, Json>): { count: number; preview: Json | undefined } {
  let count = 0
  let preview: Json | undefined
  let fallback: Json | undefined
  for (const [nodeId, nodeOutputs] of Object.entries(outputs)) {
    for (const [mediaType, items] of Object.entries(nodeOutputs)) {
      // `animated` is a flag, not items.
      if (mediaType === 'animated' || !Array.isArray(items)) continue
      for (const item of items) {
        if (!isJsonObject(item)) continue
        count += 1
        if (preview !== undefined || !previewable(mediaType, item)) continue
        const enriched = { ...item, nodeId, mediaType }
        if (item.type === 'output') preview = enriched
        else fallback ??= enriched
      }
    }
  }
  return { count, preview: preview ?? fallback }
}

function previewable(mediaType: string, item: Json): boolean {
  if (PREVIEWABLE.has(mediaType)) return true
  const format = typeof item.format === 'string' ? item.format : ''
  if (format.startsWith('video/') || format.startsWith('audio/')) return true
  const filename = typeof item.filename === 'string' ? item.filename.toLowerCase() : ''
  return THREE_D.some((extension) => filename.endsWith(extension))
}

const createdAt = (job: Json) => (typeof job.create_time === 'number' ? job.create_time : 0)

/** `apply_sorting`'s duration: end − start when both are known, else 0. */
function durationOf(job: Json): number {
  const start = job.execution_start_time
  const end = job.execution_end_time
  return typeof start === 'number' && typeof end === 'number' && start && end ? end - start : 0
}

/** `prune_dict`: drops the fields Python would hold as None. */
function pruned<T extends Json>(job: T): T & { status: string } {
  const out: Json = {}
  for (const [key, value] of Object.entries(job)) if (value !== undefined && value !== null) out[key] = value
  return out as T & { status: string }
}

/** How Python's `repr` shows a non-id in `invalid_ids` (strings as they are, as ComfyUI lists them). */
function pythonRepr(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  return typeof value === 'number' ? String(value) : JSON.stringify(value)
}
