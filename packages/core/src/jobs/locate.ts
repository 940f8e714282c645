import type { RequestFailure } from '../probe/fetch-json.js'
import type { ComfyClient, JobTarget } from './comfy-client.js'

/** Where a prompt stands on one server. */
export type Whereabouts =
  | { readonly state: 'pending' | 'running' }
  | { readonly state: 'done'; readonly entry: HistoryEntry }
  | { readonly state: 'absent' }
  | {
      readonly state: 'unreachable'
      readonly reason: string
      /** `timeout`: the server may be alive but stuck; anything else: the connection itself failed. */
      readonly cause: 'timeout' | 'connection'
    }

/** The parts of a `/history/{id}` entry the job API reads. */
export interface HistoryEntry {
  readonly outputs?: Record<string, Record<string, unknown>>
  readonly status?: {
    readonly status_str?: string
    readonly completed?: boolean
    readonly messages?: unknown[]
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Asks one server whether it holds `promptId`: `GET /api/jobs/{id}` (ComfyUI 0.6+) when it has the
 * route, else `GET /queue` then `GET /history/{id}` (in that order, so a job finishing between the
 * two calls is still found).
 */
export async function locate(
  client: ComfyClient,
  target: JobTarget,
  promptId: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Whereabouts> {
  const options = signal ? { timeoutMs, signal } : { timeoutMs }
  const job = await client.job(target, promptId, options)
  if (job.ok && isObject(job.body)) {
    const status = job.body.status
    if (status === 'pending') return { state: 'pending' }
    if (status === 'in_progress') return { state: 'running' }
    return fromHistory(client, target, promptId, options)
  }
  if (!job.ok && job.failure.kind === 'http' && job.failure.status === 404) {
    // ComfyUI's own "not found" is JSON; a bare 404 means an older server without the route.
    if (isObject(job.failure.body) && job.failure.body.error === 'Job not found') return { state: 'absent' }
  } else if (!job.ok && job.failure.kind !== 'http' && job.failure.kind !== 'malformed') {
    return unreachable(job.failure)
  }
  const queue = await client.queue(target, options)
  if (!queue.ok) return unreachable(queue.failure)
  if (isObject(queue.body)) {
    if (holds(queue.body.queue_running, promptId)) return { state: 'running' }
    if (holds(queue.body.queue_pending, promptId)) return { state: 'pending' }
  }
  return fromHistory(client, target, promptId, options)
}

async function fromHistory(
  client: ComfyClient,
  target: JobTarget,
  promptId: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<Whereabouts> {
  const history = await client.history(target, promptId, options)
  if (!history.ok) return unreachable(history.failure)
  const entry = isObject(history.body) ? history.body[promptId] : undefined
  // `{}` means unknown or unfinished: the queue check above said it is not queued, so it is absent.
  return isObject(entry) ? { state: 'done', entry: entry as HistoryEntry } : { state: 'absent' }
}

function holds(items: unknown, promptId: string): boolean {
  return Array.isArray(items) && items.some((item) => Array.isArray(item) && item[1] === promptId)
}

function unreachable(failure: RequestFailure): Whereabouts {
  return {
    state: 'unreachable',
    reason: failure.message,
    cause: failure.kind === 'timeout' ? 'timeout' : 'connection',
  }
}
