import type { RequestFailure } from '../probe/fetch-json.js'
import { isRecord } from '../util/is-record.js'
import type { ComfyClient, JobTarget } from './comfy-client.js'

/** Where a prompt stands on one server. */
export type Whereabouts =
  | { readonly state: 'pending' | 'running' }
  | { readonly state: 'done'; readonly entry: HistoryEntry }
  | { readonly state: 'absent' }
  | {
      readonly state: 'unreachable'
      readonly reason: string
      /**
       * `connection`: the connection itself failed (a dead process, whose queue died with it);
       * `timeout`: alive but stuck; `error`: alive but answering errors or nonsense.
       */
      readonly cause: 'timeout' | 'connection' | 'error'
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
  if (job.ok) {
    const status = isRecord(job.body) ? job.body.status : undefined
    if (status === 'pending') return { state: 'pending' }
    if (status === 'in_progress') return { state: 'running' }
    if (status === 'completed' || status === 'failed' || status === 'cancelled') {
      return fromHistory(client, target, promptId, options)
    }
    return confused(`/api/jobs answered ${describe(job.body)}`)
  }
  if (!job.ok && job.failure.kind === 'http' && job.failure.status === 404) {
    // ComfyUI's own "not found" is JSON; a bare 404 means an older server without the route.
    if (isRecord(job.failure.body) && job.failure.body.error === 'Job not found') return { state: 'absent' }
  } else if (!job.ok && job.failure.kind !== 'http' && job.failure.kind !== 'malformed') {
    return unreachable(job.failure)
  }
  const queue = await client.queue(target, options)
  if (!queue.ok) return unreachable(queue.failure)
  const body = queue.body
  if (!isRecord(body) || !Array.isArray(body.queue_running) || !Array.isArray(body.queue_pending)) {
    return confused(`/queue answered ${describe(body)}`)
  }
  if (holds(body.queue_running, promptId)) return { state: 'running' }
  if (holds(body.queue_pending, promptId)) return { state: 'pending' }
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
  if (!isRecord(history.body)) return confused(`/history answered ${describe(history.body)}`)
  const entry = history.body[promptId]
  // `{}` means unknown or unfinished: the queue check above said it is not queued, so it is absent.
  if (entry === undefined) return { state: 'absent' }
  return isRecord(entry)
    ? { state: 'done', entry: entry as HistoryEntry }
    : confused('/history entry is not an object')
}

function holds(items: unknown, promptId: string): boolean {
  return Array.isArray(items) && items.some((item) => Array.isArray(item) && item[1] === promptId)
}

function unreachable(failure: RequestFailure): Whereabouts {
  const cause = failure.kind === 'timeout' ? 'timeout' : failure.kind === 'network' ? 'connection' : 'error'
  return { state: 'unreachable', reason: failure.message, cause }
}

/** The server answered, but not in a way that tells where the prompt is: treat it as unreachable. */
function confused(reason: string): Whereabouts {
  return { state: 'unreachable', reason, cause: 'error' }
}

function describe(body: unknown): string {
  const text = JSON.stringify(body) ?? String(body)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
