import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

// Node's http server on one side, the Fetch Request/Response that the shared routes speak on the other.

/** The request's headers as Fetch `Headers`, skipping any the Fetch API refuses. */
export function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index]!, raw[index + 1]!)
    } catch {
      // An invalid header value: aiohttp would have refused the request earlier; ignore it here.
    }
  }
  return headers
}

/** The body, its size when it reaches `limit` (aiohttp's 413), or undefined if the client left. */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | number | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (value: Uint8Array | number | undefined): void => {
      if (done) return
      done = true
      resolve(value)
    }
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size >= limit) finish(size)
      else chunks.push(chunk)
    })
    req.on('end', () => finish(Buffer.concat(chunks)))
    req.on('error', () => finish(undefined))
    req.on('close', () => finish(undefined))
  })
}

/**
 * Writes a Fetch `Response`. Resolves once it is flushed, with the body bytes written, or with 0 if
 * the connection was gone first.
 */
export async function writeResponse(res: ServerResponse, response: Response): Promise<number> {
  const body = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer())
  if (res.destroyed) return 0
  res.statusCode = response.status
  for (const [name, value] of response.headers) res.setHeader(name, value)
  if (!res.hasHeader('content-length')) res.setHeader('Content-Length', body?.byteLength ?? 0)
  const bytes = res.req.method === 'HEAD' ? 0 : (body?.byteLength ?? 0)
  return new Promise<number>((resolve) => {
    res.once('close', () => resolve(res.writableFinished ? bytes : 0))
    res.end(body, () => resolve(bytes))
  })
}

/** Closes a connection with a TCP reset, the closest a listening server gets to "refused". */
export function resetSocket(socket: Socket | Duplex): void {
  const tcp = socket as Partial<Socket>
  if (typeof tcp.resetAndDestroy === 'function' && !socket.destroyed) tcp.resetAndDestroy()
  else socket.destroy()
}

export function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
}
