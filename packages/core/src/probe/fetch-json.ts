import type { Clock } from '../contracts/clock.js'
import { redactText } from '../util/redact.js'

/** The `fetch` signature the balancer needs; the global one, undici's, or a test double. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

/** Why a request to a server did not produce usable JSON. */
export type RequestFailure =
  | { readonly kind: 'timeout'; readonly message: string }
  | { readonly kind: 'aborted'; readonly message: string }
  | { readonly kind: 'network'; readonly message: string; readonly cause: unknown }
  | { readonly kind: 'http'; readonly message: string; readonly status: number; readonly body?: unknown }
  | { readonly kind: 'malformed'; readonly message: string; readonly status: number }

export type JsonResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown; readonly bytes: number }
  | { readonly ok: false; readonly failure: RequestFailure }

export interface JsonRequest {
  readonly fetch: FetchLike
  readonly clock: Clock
  readonly url: string
  /** Used in messages instead of `url`: already redacted. */
  readonly label: string
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
  readonly method?: 'GET' | 'POST'
  readonly body?: unknown
  readonly signal?: AbortSignal
  /** Accept an empty 2xx body (ComfyUI answers `/interrupt` and `POST /queue` with one). */
  readonly allowEmpty?: boolean
  /** Refuse a body larger than this (bytes) without reading the rest; default no limit. */
  readonly maxBytes?: number
}

/**
 * One JSON request with a timeout on the injected clock. Never throws: every way it can go wrong
 * comes back as a {@link RequestFailure} with a redacted message.
 */
export async function fetchJson(request: JsonRequest): Promise<JsonResult> {
  const controller = new AbortController()
  let timedOut = false
  const timer = request.clock.setTimeout(() => {
    timedOut = true
    controller.abort()
  }, request.timeoutMs)
  const onOuterAbort = () => controller.abort()
  request.signal?.addEventListener('abort', onOuterAbort, { once: true })
  try {
    if (request.signal?.aborted) return fail({ kind: 'aborted', message: `${request.label}: aborted` })
    const init: RequestInit = {
      method: request.method ?? 'GET',
      headers: {
        Accept: 'application/json',
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...request.headers,
      },
      signal: controller.signal,
    }
    if (request.body !== undefined) init.body = JSON.stringify(request.body)
    let response: Response
    try {
      response = await request.fetch(request.url, init)
    } catch (error) {
      return fail(abortOrNetwork(error, request, timedOut))
    }
    let text: string
    try {
      const read =
        request.maxBytes === undefined ? await response.text() : await readCapped(response, request.maxBytes)
      if (read === undefined) {
        controller.abort()
        return fail({
          kind: 'malformed',
          status: response.status,
          message: `${request.label}: the answer is larger than ${request.maxBytes} bytes`,
        })
      }
      text = read
    } catch (error) {
      return fail(abortOrNetwork(error, request, timedOut))
    }
    if (!response.ok) {
      const snippet = redactText(text.slice(0, 120).replace(/\s+/g, ' ').trim())
      const failure = {
        kind: 'http' as const,
        status: response.status,
        message: `${request.label}: HTTP ${response.status}${snippet ? ` (${snippet})` : ''}`,
      }
      const body = parseOrUndefined(text)
      return fail(body === undefined ? failure : { ...failure, body })
    }
    if (text === '' && request.allowEmpty)
      return { ok: true, status: response.status, body: undefined, bytes: 0 }
    try {
      return { ok: true, status: response.status, body: JSON.parse(text), bytes: text.length }
    } catch {
      return fail({
        kind: 'malformed',
        status: response.status,
        message: `${request.label}: malformed JSON in a ${text.length}-byte answer`,
      })
    }
  } finally {
    request.clock.clearTimeout(timer)
    request.signal?.removeEventListener('abort', onOuterAbort)
  }
}

/** The body as text, or undefined once it passes `maxBytes` (the rest is not read). */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    return undefined
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let bytes = 0
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    bytes += value.byteLength
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    text += decoder.decode(value, { stream: true })
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function fail(failure: RequestFailure): JsonResult {
  return { ok: false, failure }
}

function abortOrNetwork(error: unknown, request: JsonRequest, timedOut: boolean): RequestFailure {
  if (timedOut)
    return { kind: 'timeout', message: `${request.label}: no answer within ${request.timeoutMs} ms` }
  if (request.signal?.aborted) return { kind: 'aborted', message: `${request.label}: aborted` }
  const detail = describeNetworkError(error)
  return { kind: 'network', cause: error, message: redactText(`${request.label}: ${detail}`) }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: unknown }).cause
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined
  return typeof code === 'string' ? `${error.message} (${code})` : error.message
}
