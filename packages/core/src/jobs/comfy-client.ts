import type { Clock } from '../contracts/clock.js'
import type { ServerConfig } from '../contracts/server.js'
import { type FetchLike, fetchJson, type JsonResult } from '../probe/fetch-json.js'
import { redactUrl } from '../util/redact.js'
import { endpointUrl, type RequestTarget, toRequestTarget } from '../util/request-target.js'

/** One server, addressed for job calls. */
export interface JobTarget extends RequestTarget {
  readonly id: string
  /** Redacted base URL for messages. */
  readonly label: string
}

/** How a configured server is addressed for job calls (credentials in headers, a redacted label). */
export function jobTarget(config: ServerConfig): JobTarget {
  return { ...toRequestTarget(config.url, config.headers), id: config.id, label: redactUrl(config.url) }
}

export interface CallOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

/** The few ComfyUI calls the job API makes, each a typed, never-throwing request. */
export class ComfyClient {
  constructor(
    private readonly fetch: FetchLike,
    private readonly clock: Clock,
  ) {}

  postPrompt(target: JobTarget, body: Record<string, unknown>, options: CallOptions): Promise<JsonResult> {
    return this.#call(target, '/prompt', options, { method: 'POST', body })
  }

  /** `GET /api/jobs/{id}` (ComfyUI 0.6+): 200 with the job, 404 when the server does not know it. */
  job(target: JobTarget, promptId: string, options: CallOptions): Promise<JsonResult> {
    return this.#call(target, `/api/jobs/${encodeURIComponent(promptId)}`, options)
  }

  history(target: JobTarget, promptId: string, options: CallOptions): Promise<JsonResult> {
    return this.#call(target, `/history/${encodeURIComponent(promptId)}`, options)
  }

  queue(target: JobTarget, options: CallOptions): Promise<JsonResult> {
    return this.#call(target, '/queue', options)
  }

  /** Interrupts `promptId` only if it is the one running (ComfyUI 0.3.57+). */
  interrupt(target: JobTarget, promptId: string, options: CallOptions): Promise<JsonResult> {
    return this.#call(target, '/interrupt', options, {
      method: 'POST',
      body: { prompt_id: promptId },
      allowEmpty: true,
    })
  }

  /** Removes `promptId` from the pending queue, if it is there. */
  deleteQueued(target: JobTarget, promptId: string, options: CallOptions): Promise<JsonResult> {
    return this.#call(target, '/queue', options, {
      method: 'POST',
      body: { delete: [promptId] },
      allowEmpty: true,
    })
  }

  #call(
    target: JobTarget,
    path: string,
    options: CallOptions,
    extra: { method?: 'POST'; body?: unknown; allowEmpty?: boolean } = {},
  ): Promise<JsonResult> {
    return fetchJson({
      fetch: this.fetch,
      clock: this.clock,
      url: endpointUrl(target.base, path),
      label: `${target.id} ${target.label}${path}`,
      headers: target.headers,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...extra,
    })
  }
}
