import type { FetchLike } from '@comfy-balancer/core'
import { redactText } from '@comfy-balancer/core/internal'
import type { FleetRequestFailure } from './errors'

/**
 * Timers for request timeouts. Core's `Clock` and testkit's `TestClock` both fit, so a test can
 * drive timeouts without waiting.
 */
export interface FleetTimers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** One GET of a JSON route. */
export interface JsonRead {
  readonly fetch: FetchLike
  readonly timers: FleetTimers
  readonly url: string
  /** The URL for messages, already redacted. */
  readonly label: string
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
  /** Stop reading, and fail, once the body passes this many bytes. */
  readonly maxBytes: number
  /** A 404 is an answer (`/models/{folder}` of a folder the server lacks), not a failure. */
  readonly notFoundIsAnswer?: boolean
  /** Ends the read early (the fleet info was closed). */
  readonly signal?: AbortSignal
}

/** A read's outcome: the parsed body (`undefined` for an accepted 404) or why there is none. */
export type JsonReadResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | {
      readonly ok: false
      readonly kind: FleetRequestFailure
      readonly message: string
      readonly status?: number
    }

/**
 * GETs a JSON route with a timeout that covers the whole body, streaming the body and giving up as
 * soon as it passes `maxBytes` (`/object_info` reaches ~100 MB on big installs; an answer past the
 * limit is never held whole). Never throws, and every message is redacted.
 */
export async function readJson(read: JsonRead): Promise<JsonReadResult> {
  const controller = new AbortController()
  let timedOut = false
  const timer = read.timers.setTimeout(() => {
    timedOut = true
    controller.abort()
  }, read.timeoutMs)
  const onAbort = () => controller.abort()
  read.signal?.addEventListener('abort', onAbort, { once: true })
  const failure = (error: unknown): JsonReadResult => {
    if (timedOut) return fail('timeout', `${read.label}: no full answer within ${read.timeoutMs} ms`)
    if (read.signal?.aborted) return fail('aborted', `${read.label}: closed while reading`)
    return fail('network', redactText(`${read.label}: ${describe(error)}`))
  }
  try {
    if (read.signal?.aborted) return fail('aborted', `${read.label}: closed while reading`)
    let response: Response
    try {
      response = await read.fetch(read.url, {
        headers: { Accept: 'application/json', ...read.headers },
        signal: controller.signal,
      })
    } catch (error) {
      return failure(error)
    }
    const { status } = response
    if (status === 404 && read.notFoundIsAnswer) {
      await response.body?.cancel().catch(() => undefined)
      return { ok: true, status, body: undefined }
    }
    if (status !== 200) {
      // The body is not needed (and may be large, or echo the request): free the connection.
      await response.body?.cancel().catch(() => undefined)
      return fail('http', `${read.label}: HTTP ${status}`, status)
    }
    let bytes: Uint8Array | undefined
    try {
      bytes = await readCapped(response, read.maxBytes)
    } catch (error) {
      return failure(error)
    }
    if (bytes === undefined) {
      return fail('too-large', `${read.label}: the answer is larger than ${read.maxBytes} bytes`, status)
    }
    try {
      return { ok: true, status, body: JSON.parse(new TextDecoder().decode(bytes)) }
    } catch {
      return fail('malformed', `${read.label}: not JSON (${bytes.byteLength} bytes)`, status)
    }
  } finally {
    read.timers.clearTimeout(timer)
    read.signal?.removeEventListener('abort', onAbort)
  }
}

/** The body's bytes, or undefined as soon as it passes `maxBytes` (the rest is not read). */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    return undefined
  }
  if (response.body === null) return new Uint8Array()
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  // One copy at the end: decoding chunk by chunk into a growing string would copy it many times.
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

function fail(kind: FleetRequestFailure, message: string, status?: number): JsonReadResult {
  return status === undefined ? { ok: false, kind, message } : { ok: false, kind, message, status }
}

/** `fetch failed (ECONNREFUSED)`: the message plus the system error code undici keeps in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: unknown }).cause
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined
  return typeof code === 'string' ? `${error.message} (${code})` : error.message
}
