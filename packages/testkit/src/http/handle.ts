import type { ComfyModel } from '../model/types'
import { activeFault, faultedReply, NETWORK_ERROR } from './faults'
import type { ParsedForm } from './route-types'
import { findRoute } from './routes'

export { NETWORK_ERROR } from './faults'

/** A request's server and its path below the server's base URL (see {@link BaseUrlRouter}). */
export interface RouteTarget {
  model: ComfyModel
  /** Starts with `/`, still percent-encoded; may start with `/api/`. */
  path: string
}

/** What a ComfyUI route answers: a response, or a network error (refused, or a hang given up on). */
export type ComfyOutcome = Response | typeof NETWORK_ERROR

/** Options of {@link handleComfyRoute}. */
export interface HandleOptions {
  /** Aborts when the server process dies; see {@link faultedReply}. */
  lifetime?: AbortSignal
  /**
   * Whether to add the response body size to the model's `bytesSent` here; default true. A face that
   * writes to a real socket passes false and counts the bytes once they are written.
   */
  countBytes?: boolean
}

const encoder = new TextEncoder()

/**
 * The one Request → Response function both HTTP faces use (the msw handlers and the real sim
 * server), so they cannot drift: finds the ComfyUI route, counts the request, applies the server's
 * fault, and counts the body bytes of the response it returns. Undefined when no route matches the
 * method and path; each face decides what that means (msw: unhandled; the sim: aiohttp's 404/405).
 */
export async function handleComfyRoute(
  request: Request,
  target: RouteTarget,
  options: HandleOptions = {},
): Promise<ComfyOutcome | undefined> {
  const found = findRoute(request.method, target.path)
  if (found === undefined) return undefined
  const { route, params } = found
  const { model } = target
  model.recordRequest(route.endpoint)
  const form = route.form === true ? await readForm(request) : undefined
  const bodyText = route.method === 'POST' && route.form !== true ? await request.text() : ''
  const fault = activeFault(model.fault, route.endpoint)
  const context = { model, request, url: new URL(request.url), params, bodyText, form }
  const reply = await faultedReply(route, context, fault, options.lifetime)
  if (reply === NETWORK_ERROR) return NETWORK_ERROR
  const body = typeof reply.body === 'string' ? encoder.encode(reply.body) : reply.body
  // HEAD gets GET's headers without the body, and so costs no body bytes.
  const sent = request.method === 'HEAD' ? null : body
  if (options.countBytes !== false) model.recordResponseBytes(route.endpoint, sent?.byteLength ?? 0)
  const headers = new Headers(reply.headers)
  headers.set('Content-Length', String(body?.byteLength ?? 0))
  return new Response(sent as BodyInit | null, { status: reply.status, headers })
}

/** A multipart body, files read whole (route handlers are synchronous); undefined when it is not one. */
async function readForm(request: Request): Promise<ParsedForm | undefined> {
  const data = await request.formData().catch(() => undefined)
  if (data === undefined) return undefined
  const fields = new Map<string, string>()
  const files = new Map<string, { name: string; bytes: Uint8Array }>()
  for (const [name, value] of data) {
    if (typeof value === 'string') fields.set(name, value)
    else files.set(name, { name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) })
  }
  return { fields, files }
}
