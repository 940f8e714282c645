import type { Clock } from '../contracts/clock.js'
import type { QueueState, ServerConfig } from '../contracts/server.js'
import { ProbeError } from '../errors/server-errors.js'
import { redactUrl } from '../util/redact.js'
import { endpointUrl, toRequestTarget } from '../util/request-target.js'
import { type FetchLike, fetchJson, type JsonResult } from './fetch-json.js'
import { promptInfoSchema, queueSchema, shapeProblem, systemStatsSchema } from './responses.js'

export interface ProbeDeps {
  readonly fetch: FetchLike
  readonly clock: Clock
  readonly healthTimeoutMs: number
  readonly queueTimeoutMs: number
  readonly queueMode: 'prompt' | 'queue'
  readonly signal?: AbortSignal
}

/** What one probe of one server found. */
export type ProbeOutcome =
  | {
      readonly ok: true
      /** Round trip of the health request (ms). */
      readonly latencyMs: number
      readonly queue: QueueState
      readonly version?: string
    }
  | { readonly ok: false; readonly error: ProbeError }

/**
 * Probes one server: health from `GET /system_stats` and load from `GET /prompt` (or `GET /queue`),
 * both at once. If health fails the server is down; if only the queue fails it is up with an
 * unknown queue that strategies treat as 0 (the original design's rule).
 */
export async function probeServer(server: ServerConfig, deps: ProbeDeps): Promise<ProbeOutcome> {
  const target = toRequestTarget(server.url, server.headers)
  const label = (path: string) => `${server.id} ${redactUrl(endpointUrl(server.url, path))}`
  const request = (path: string, timeoutMs: number) =>
    fetchJson({
      fetch: deps.fetch,
      clock: deps.clock,
      url: endpointUrl(target.base, path),
      label: label(path),
      headers: target.headers,
      timeoutMs,
      ...(deps.signal ? { signal: deps.signal } : {}),
    })
  const queuePath = deps.queueMode === 'queue' ? '/queue' : '/prompt'
  const startedAt = deps.clock.now()
  let healthEndedAt = startedAt
  const [health, queue] = await Promise.all([
    request('/system_stats', deps.healthTimeoutMs).then((result) => {
      healthEndedAt = deps.clock.now()
      return result
    }),
    request(queuePath, deps.queueTimeoutMs),
  ])
  const healthError = readHealth(server.id, health)
  if (healthError) return { ok: false, error: healthError }
  const stats = health.ok ? systemStatsSchema.safeParse(health.body) : undefined
  const version = stats?.success ? stats.data.system.comfyui_version : undefined
  const outcome = {
    ok: true as const,
    latencyMs: Math.max(0, healthEndedAt - startedAt),
    queue: readQueue(deps.queueMode, queue),
  }
  return version === undefined ? outcome : { ...outcome, version }
}

function readHealth(serverId: string, result: JsonResult): ProbeError | undefined {
  if (!result.ok) {
    const status = 'status' in result.failure ? result.failure.status : undefined
    return new ProbeError(serverId, 'health', `health probe failed: ${result.failure.message}`, {
      ...(status === undefined ? {} : { status }),
      ...('cause' in result.failure ? { cause: result.failure.cause } : {}),
    })
  }
  const parsed = systemStatsSchema.safeParse(result.body)
  if (parsed.success) return undefined
  return new ProbeError(
    serverId,
    'health',
    `health probe failed: /system_stats answered with the wrong shape (${shapeProblem(parsed.error)}); expected {"system": {...}, "devices": [...]}`,
  )
}

function readQueue(mode: 'prompt' | 'queue', result: JsonResult): QueueState {
  if (!result.ok) return { known: false, treatedAs: 0, reason: result.failure.message }
  if (mode === 'queue') {
    const parsed = queueSchema.safeParse(result.body)
    if (!parsed.success) {
      return {
        known: false,
        treatedAs: 0,
        reason: `/queue answered with the wrong shape (${shapeProblem(parsed.error)})`,
      }
    }
    return {
      known: true,
      running: parsed.data.queue_running.length,
      pending: parsed.data.queue_pending.length,
      source: 'queue',
    }
  }
  const parsed = promptInfoSchema.safeParse(result.body)
  if (!parsed.success) {
    return {
      known: false,
      treatedAs: 0,
      reason: `/prompt answered with the wrong shape (${shapeProblem(parsed.error)})`,
    }
  }
  const remaining = parsed.data.exec_info.queue_remaining
  // One worker per ComfyUI process: a non-empty queue has exactly one prompt running.
  return {
    known: true,
    running: Math.min(1, remaining),
    pending: Math.max(0, remaining - 1),
    source: 'prompt',
  }
}
