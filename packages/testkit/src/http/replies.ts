import { INTERNAL_SERVER_ERROR_TEXT } from '../model/comfy-model'
import { pythonJson } from './python-json'

/** A response before it becomes a `Response`, so faults can rewrite it and bytes can be counted. */
export interface Reply {
  status: number
  body: string | Uint8Array | null
  headers: Record<string, string>
}

// aiohttp's content types for json_response, text and file responses.
const JSON_TYPE = 'application/json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'

/** `web.json_response(value, status=…)`. */
export function jsonReply(value: unknown, status = 200): Reply {
  return { status, body: pythonJson(value), headers: { 'Content-Type': JSON_TYPE } }
}

/** `web.Response(status=…)`: no body. */
export function emptyReply(status = 200): Reply {
  return { status, body: null, headers: {} }
}

/** What aiohttp sends when a handler raises. */
export function internalErrorReply(): Reply {
  return { status: 500, body: INTERNAL_SERVER_ERROR_TEXT, headers: { 'Content-Type': TEXT_TYPE } }
}

/** A file response. */
export function fileReply(body: Uint8Array, contentType: string, filename: string): Reply {
  return {
    status: 200,
    body,
    headers: { 'Content-Type': contentType, 'Content-Disposition': `filename="${filename}"` },
  }
}

/** A JSON body cut in half: the content type promises JSON, but no parser accepts it. */
export function truncatedReply(reply: Reply | undefined): Reply {
  const full = typeof reply?.body === 'string' && reply.body.length >= 2 ? reply.body : '{"'
  // Any strict prefix of a JSON object or array lacks its closing bracket, so it never parses.
  const body = full.slice(0, Math.max(1, Math.floor(full.length / 2)))
  return { status: 200, body, headers: { 'Content-Type': JSON_TYPE } }
}

// A valid 1×1 PNG: enough for clients that sniff the signature or decode the image.
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

/** The bytes `/view` serves for every file the simulated server wrote. */
export function pngBytes(): Uint8Array {
  return Uint8Array.from(atob(PNG_BASE64), (char) => char.charCodeAt(0))
}
