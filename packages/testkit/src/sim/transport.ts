import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { type ComfyOutcome, handleComfyRoute, NETWORK_ERROR } from '../http/handle'
import { allowedMethods, findRoute } from '../http/routes'
import {
  methodNotAllowedResponse,
  notFoundResponse,
  originRejected,
  type SecurityOptions,
  withComfySecurity,
} from '../http/security'
import type { ComfyModel } from '../model/types'
import { CONTROL_PREFIX, type ControlTarget, handleControl } from './control'
import { headersOf, readBody, rejectUpgrade, resetSocket, writeResponse } from './node-bridge'
import type { WsHub, WsPeer } from './ws-hub'

/** What a {@link SimTransport} needs of the server it serves. */
export interface TransportHost extends ControlTarget {
  readonly name: string
  readonly model: ComfyModel
  /** The server's base URL, to make absolute request URLs. */
  readonly url: string
  /** Whether the server listens; a socket upgraded after `down()` is dropped. */
  readonly isUp: boolean
  /** Aborted when the process "crashes": requests waiting in it end as network errors. */
  readonly lifetime: AbortSignal
}

/**
 * One simulated server's HTTP requests and WebSocket upgrades: ComfyUI's origin check or CORS,
 * whole-server faults, the control API, then the routes shared with the msw handlers.
 */
export class SimTransport {
  readonly #host: TransportHost
  readonly #hub: WsHub
  readonly #security: SecurityOptions
  readonly #maxBodyBytes: number
  readonly #publishLoop: boolean
  readonly #wss = new WebSocketServer({ noServer: true, clientTracking: false })

  constructor(
    host: TransportHost,
    hub: WsHub,
    security: SecurityOptions,
    maxBodyBytes: number,
    options: { publishLoop?: boolean } = {},
  ) {
    this.#host = host
    this.#hub = hub
    this.#security = security
    this.#maxBodyBytes = maxBodyBytes
    this.#publishLoop = options.publishLoop ?? false
  }

  onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.#serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
        res.end('500 Internal Server Error\n\nServer got itself in trouble')
      } else {
        res.destroy()
      }
      // A bug in the simulator, not a simulated failure.
      console.error(
        `comfy-sim ${this.#host.name}: unexpected error while serving ${req.method} ${req.url}`,
        error,
      )
    })
  }

  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined)
    const url = new URL(req.url ?? '/', 'http://sim.invalid')
    if (url.pathname !== '/ws' && url.pathname !== '/api/ws') {
      rejectUpgrade(socket, 404, 'Not Found')
      return
    }
    if (
      this.#security.corsOrigin === undefined &&
      originRejected(headersOf(req), req.headers.host, this.#security.version)
    ) {
      rejectUpgrade(socket, 403, 'Forbidden')
      return
    }
    const fault = this.#host.model.fault
    if (fault?.kind === 'refuse' && fault.endpoints === undefined) {
      resetSocket(socket as Socket)
      return
    }
    const clientId = url.searchParams.get('clientId')
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(ws, clientId))
  }

  close(): void {
    this.#wss.close()
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = this.#host
    const lifetime = host.lifetime
    const clientGone = new AbortController()
    res.once('close', () => clientGone.abort())
    const method = req.method ?? 'GET'
    let body: Uint8Array | undefined
    if (method !== 'GET' && method !== 'HEAD') {
      const read = await readBody(req, this.#maxBodyBytes)
      if (read === undefined) return // the client went away mid-body
      if (typeof read === 'number') {
        res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' })
        res.end(`Maximum request body size ${this.#maxBodyBytes} exceeded, actual body size ${read}`)
        return
      }
      body = read
    }
    let request: Request
    let url: URL
    try {
      url = new URL(`${host.url}${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`)
      request = new Request(url, {
        method,
        headers: headersOf(req),
        ...(body === undefined ? {} : { body: body as BodyInit }),
        signal: clientGone.signal,
      })
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('400: Bad Request')
      return
    }
    const fault = host.model.fault
    if (fault?.kind === 'refuse' && fault.endpoints === undefined && !isControlPath(url.pathname)) {
      // A server that is down for every endpoint answers nothing: not OPTIONS, not a 404 either.
      // (Routes still go through handleComfyRoute, which counts them and resets the connection.)
      if (findRoute(method, url.pathname) === undefined) {
        resetSocket(req.socket)
        return
      }
    }
    const after: Array<() => void> = []
    const outcome = await withComfySecurity(request, req.headers.host, this.#security, () =>
      this.#route(request, url, lifetime, (action) => after.push(action)),
    )
    if (outcome === NETWORK_ERROR) {
      resetSocket(req.socket)
      return
    }
    const written = await writeResponse(res, outcome)
    // bytesSent counts body bytes that reached the socket, so a response to a client that left is not counted.
    const endpoint = findRoute(method, url.pathname)?.route.endpoint
    if (endpoint !== undefined && !isControlPath(url.pathname))
      host.model.recordResponseBytes(endpoint, written)
    for (const action of after) action()
  }

  async #route(
    request: Request,
    url: URL,
    lifetime: AbortSignal,
    afterResponse: (action: () => void) => void,
  ): Promise<ComfyOutcome> {
    const path = url.pathname
    if (isControlPath(path)) {
      return handleControl(this.#host, request, path, afterResponse)
    }
    if (path === '/ws' || path === '/api/ws') {
      // A plain request to the WebSocket route: aiohttp's `ws.prepare` refuses it.
      if (request.method !== 'GET' && request.method !== 'HEAD')
        return methodNotAllowedResponse(['GET', 'HEAD'])
      return new Response('400: Bad Request', {
        status: 400,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      })
    }
    const outcome = await handleComfyRoute(
      request,
      { model: this.#host.model, path },
      { lifetime, countBytes: false },
    )
    if (outcome !== undefined) return outcome
    const allowed = allowedMethods(path)
    return allowed.length > 0 ? methodNotAllowedResponse(allowed) : notFoundResponse()
  }

  #attach(ws: WebSocket, clientId: string | null): void {
    if (!this.#host.isUp) {
      ws.terminate()
      return
    }
    const peer = this.#publishLoop ? publishingPeer(ws) : immediatePeer(ws)
    ws.on('error', () => undefined)
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.#hub.receive(peer, data.toString())
    })
    ws.on('close', () => this.#hub.disconnect(peer))
    this.#hub.connect(peer, clientId)
  }
}

/** A socket whose frames are written at once, in the turn the model emits them. */
function immediatePeer(ws: WebSocket): WsPeer {
  return {
    send: (frame) => {
      if (ws.readyState === ws.OPEN) ws.send(frame)
    },
    terminate: () => ws.terminate(),
  }
}

/**
 * A socket whose frames go out the way server.py sends them: `send_sync` only queues a message
 * (`loop.call_soon_threadsafe(self.messages.put_nowait, …)`) and the `publish_loop` task sends it on
 * a later turn of the event loop. So a message caused by a request — `status` from `POST /prompt`'s
 * `queue_updated`, or a job's first `execution_start` / `executing` — never reaches the socket before
 * that request's response: the handler writes its response before the loop runs anything else. Here
 * the frames of one turn are queued in order and written on the next (`setImmediate`, after the
 * response a handler returned has been written); `terminate` drops what is still queued, as a dead
 * process sends nothing more.
 */
function publishingPeer(ws: WebSocket): WsPeer {
  // Text and binary frames share one queue, so previews keep their place among the JSON messages.
  let queued: Array<string | Uint8Array> = []
  let dropped = false
  const publish = (): void => {
    const frames = queued
    queued = []
    for (const frame of frames) if (!dropped && ws.readyState === ws.OPEN) ws.send(frame)
  }
  return {
    send: (frame) => {
      if (dropped) return
      queued.push(frame)
      if (queued.length === 1) setImmediate(publish)
    },
    terminate: () => {
      dropped = true
      queued = []
      ws.terminate()
    },
  }
}

function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)
}
