import type { ComfyModel, Endpoint } from '../model/types'
import type { Reply } from './replies'

/** What a route handler sees of one request. */
export interface RouteContext {
  model: ComfyModel
  request: Request
  url: URL
  params: Record<string, string>
  /** The request body, read before any fault delay so an aborted request can still take effect. */
  bodyText: string
  /** A multipart body (routes with `form`), read in place of `bodyText`. */
  form?: ParsedForm | undefined
}

/** A multipart body: its text fields, and its files read whole. */
export interface ParsedForm {
  readonly fields: ReadonlyMap<string, string>
  readonly files: ReadonlyMap<string, { readonly name: string; readonly bytes: Uint8Array }>
}

/** One ComfyUI route of the simulated server. */
export interface Route {
  method: 'GET' | 'POST'
  /** server.py's path; it is also served under `/api`. */
  path: string
  endpoint: Endpoint
  handle(context: RouteContext): Reply
  /** A 200 JSON body of the wrong shape, for the `wrongShape` fault. */
  wrongShape(context: RouteContext): unknown
  /** The body is multipart form data (aiohttp's `request.post()`). */
  form?: true
}
