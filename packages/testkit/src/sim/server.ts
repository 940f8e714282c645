import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import type { TimerHandle } from '../clock'
import { type ComfyOutcome, handleComfyRoute, NETWORK_ERROR } from '../http/handle'
import { allowedMethods, findRoute } from '../http/routes'
import {
  isLoopback,
  methodNotAllowedResponse,
  notFoundResponse,
  originRejected,
  type SecurityOptions,
  withComfySecurity,
} from '../http/security'
import { createComfyModel } from '../model/comfy-model'
import type { ComfyModel, Endpoint, ExecutionLogEntry, Fault, ModelClock, WorkerFault } from '../model/types'
import { CONTROL_PREFIX, type ControlTarget, handleControl, type SimState } from './control'
import { createScaledClock } from './scaled-clock'
import { TrackedClock } from './tracked-clock'
import { WsHub, type WsPeer } from './ws-hub'

/** Options of {@link startComfySim}. */
export interface ComfySimOptions {
  /** Work is divided by this factor; default 1. */
  speed?: number
  /** The model's id, for logs and lookups; default `'comfyui'`. */
  name?: string
  /** TCP port; default 0, which picks a free one. `up()` after `down()` reuses the same port. */
  port?: number
  /** A loopback address only: `'127.0.0.1'` (default), another `127.x.y.z`, `'::1'` or `'localhost'`. */
  host?: string
  /**
   * ComfyUI's `--enable-cors-header`: `true` for `*`, or an origin. Off (default): ComfyUI's origin
   * check answers 403 to cross-site browser requests instead.
   */
  cors?: boolean | string
  /**
   * Wall milliseconds per simulated millisecond for a clock made by {@link createScaledClock}; default 1.
   * Cannot be combined with `clock`.
   */
  timeScale?: number
  /** Drive the server from this clock instead (a shared scaled clock, or a `TestClock`). */
  clock?: ModelClock
  /** `system_stats` `comfyui_version`, and which version-dependent checks apply; default `'0.26.0'`. */
  version?: string
  /** Work (ms at speed 1) of a prompt without `SimWork` nodes; default 0. */
  defaultWorkMs?: number
  /** Reproduce ComfyUI's WebSocket reconnect bug #16010; default false. */
  reconnectBug?: boolean
  /** ComfyUI's `--max-upload-size` in bytes, for every request body; default 100 MiB. Larger bodies get 413. */
  maxBodyBytes?: number
}

/** A simulated ComfyUI server listening on a real loopback port. */
export interface ComfySim {
  /** The model's id. */
  readonly name: string
  /** The listening address. */
  readonly host: string
  /** The port, kept across `down()` and `up()`. */
  readonly port: number
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string
  /** `ws://127.0.0.1:<port>/ws`; add `?clientId=`. */
  readonly wsUrl: string
  /** The ComfyUI model behind the server. */
  readonly model: ComfyModel
  /** The clock the server runs on (pass it to a balancer to share simulated time). */
  readonly clock: ModelClock
  /** Whether the server is listening. */
  readonly isUp: boolean
  /** Every execution on the server, with start and end in simulated ms (the model's log). */
  readonly log: readonly ExecutionLogEntry[]
  /** HTTP requests per endpoint, faulted ones included. */
  readonly requestCounts: Readonly<Record<Endpoint, number>>
  /** Response body bytes written per endpoint. */
  readonly bytesSent: Readonly<Record<Endpoint, number>>
  /** Open WebSocket connections. */
  readonly wsClients: number
  /** What `GET /__sim/state` reports. */
  state(): SimState
  /** Sets or clears the HTTP fault (see the model's `Fault`). */
  setFault(fault: Fault | undefined): void
  /** Sets or clears the worker fault (see the model's `WorkerFault`). */
  setWorkerFault(fault: WorkerFault | undefined): void
  /** Changes the speed factor for jobs that start from now on. */
  setSpeed(speed: number): void
  /**
   * A process crash with an instant restart: queue, running job, history and prompt counter are
   * lost, WebSocket and HTTP connections are dropped, requests in flight fail. Keeps listening.
   */
  crash(): void
  /**
   * Stops listening, so new connections are refused (`ECONNREFUSED`), and drops every open
   * connection. The model keeps running, like a server behind a cut cable. With `forMs`, comes back
   * up after that many simulated ms.
   */
  down(options?: { forMs?: number }): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  /** `crash()`, `down()`, then `up()` (after `downMs` simulated ms, default 0). */
  restart(options?: { downMs?: number }): Promise<void>
  /** Closes the server, its connections, timers and model. Idempotent. */
  close(): Promise<void>
}

const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024

/**
 * Starts a simulated ComfyUI server on a real loopback port: the msw handlers' routes (through the
 * same Request → Response function), `/ws`, ComfyUI's origin check or CORS headers, fault injection
 * and a control API under `/__sim/`. Runs on a real clock, optionally sped up with `timeScale`.
 *
 * @example
 * ```ts
 * const sim = await startComfySim({ speed: 2, timeScale: 0.01 })
 * await fetch(`${sim.url}/prompt`, {
 *   method: 'POST',
 *   body: JSON.stringify({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 300 } } } }),
 * }) // runs for 150 simulated ms: 1.5 ms of wall time
 * await sim.close()
 * ```
 */
export async function startComfySim(options: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = new SimServer(options)
  try {
    await sim.up()
  } catch (error) {
    await sim.close()
    throw error
  }
  return sim
}

class SimServer implements ComfySim, ControlTarget {
  readonly name: string
  readonly host: string
  readonly model: ComfyModel
  readonly clock: ModelClock
  readonly #timers: TrackedClock
  readonly #hub: WsHub
  readonly #wss = new WebSocketServer({ noServer: true, clientTracking: false })
  readonly #security: SecurityOptions
  readonly #maxBodyBytes: number
  readonly #timeScale: number | undefined
  #port: number
  #server: Server | undefined
  #lifetime = new AbortController()
  #upTimer: TimerHandle | undefined
  /** Serialises up, down and close. */
  #transition: Promise<void> = Promise.resolve()
  #closed = false
  #closing: Promise<void> | undefined

  constructor(options: ComfySimOptions) {
    if (options.clock !== undefined && options.timeScale !== undefined) {
      throw new TypeError('startComfySim: pass either clock or timeScale, not both.')
    }
    const host = options.host ?? '127.0.0.1'
    if (!isLoopback(host.replace(/^\[|\]$/g, ''))) {
      throw new RangeError(
        `startComfySim: host must be a loopback address (127.0.0.1, ::1, localhost), got "${host}". ` +
          'The simulated server has no authentication.',
      )
    }
    const port = options.port ?? 0
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new RangeError(`startComfySim: port must be an integer 0–65535, got ${port}`)
    }
    this.host = host.replace(/^\[|\]$/g, '')
    this.#port = port
    this.name = options.name ?? 'comfyui'
    const scaled = options.clock === undefined ? createScaledClock(options.timeScale ?? 1) : undefined
    // A shared scaled clock (a cluster's) reports its time scale too.
    const given = (options.clock as { timeScale?: unknown } | undefined)?.timeScale
    this.#timeScale = scaled?.timeScale ?? (typeof given === 'number' ? given : undefined)
    this.clock = options.clock ?? scaled!
    this.#timers = new TrackedClock(this.clock)
    const version = options.version ?? '0.26.0'
    this.model = createComfyModel({
      clock: this.#timers,
      id: this.name,
      version,
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      ...(options.defaultWorkMs === undefined ? {} : { defaultWorkMs: options.defaultWorkMs }),
    })
    this.#hub = new WsHub(this.model, { reconnectBug: options.reconnectBug ?? false })
    const { cors } = options
    this.#security = {
      corsOrigin: typeof cors === 'string' && cors !== '' ? cors : cors === true ? '*' : undefined,
      version,
    }
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    return `http://${this.#authority()}`
  }

  get wsUrl(): string {
    return `ws://${this.#authority()}/ws`
  }

  get isUp(): boolean {
    return this.#server !== undefined
  }

  get log(): readonly ExecutionLogEntry[] {
    return this.model.log
  }

  get requestCounts(): Readonly<Record<Endpoint, number>> {
    return this.model.requestCounts
  }

  get bytesSent(): Readonly<Record<Endpoint, number>> {
    return this.model.bytesSent
  }

  get wsClients(): number {
    return this.#hub.size
  }

  state(): SimState {
    return {
      name: this.name,
      url: this.url,
      up: this.isUp,
      speed: this.model.speed,
      version: this.#security.version,
      cors: this.#security.corsOrigin ?? null,
      timeScale: this.#timeScale ?? null,
      now: this.clock.now(),
      fault: this.model.fault ?? null,
      workerFault: this.model.workerFault ?? null,
      queueRemaining: this.model.queueRemaining,
      wsClients: this.wsClients,
      requestCounts: this.requestCounts,
      bytesSent: this.bytesSent,
    }
  }

  setFault(fault: Fault | undefined): void {
    this.model.setFault(fault)
  }

  setWorkerFault(fault: WorkerFault | undefined): void {
    this.model.setWorkerFault(fault)
  }

  setSpeed(speed: number): void {
    this.model.setSpeed(speed)
  }

  crash(): void {
    if (this.#closed) return
    // Requests waiting in the dead process (slow, hang) end as network errors and never take effect.
    this.#lifetime.abort()
    this.#lifetime = new AbortController()
    this.model.crash()
    this.#hub.reset()
    this.#hub.dropAll()
    this.#server?.closeAllConnections()
  }

  down(options: { forMs?: number } = {}): Promise<void> {
    return this.#serially(async () => {
      this.#cancelUpTimer()
      await this.#stopListening()
      if (options.forMs !== undefined && !this.#closed) {
        this.#upTimer = this.#timers.setTimeout(() => {
          this.#upTimer = undefined
          void this.up().catch(() => undefined)
        }, options.forMs)
      }
    })
  }

  up(): Promise<void> {
    return this.#serially(async () => {
      if (this.#closed) throw new Error(`The simulated server ${this.name} is closed.`)
      this.#cancelUpTimer()
      if (this.#server === undefined) await this.#listen()
    })
  }

  async restart(options: { downMs?: number } = {}): Promise<void> {
    this.crash()
    const downMs = options.downMs ?? 0
    if (downMs > 0) {
      await this.down({ forMs: downMs })
    } else {
      await this.down()
      await this.up()
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      this.#lifetime.abort()
      await this.#serially(async () => {
        this.#cancelUpTimer()
        await this.#stopListening()
      })
      this.#hub.dispose()
      this.#wss.close()
      this.model.dispose()
      this.#timers.clearAll()
    })()
    return this.#closing
  }

  #authority(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.#port}`
  }

  #serially(step: () => Promise<void>): Promise<void> {
    const result = this.#transition.then(step)
    this.#transition = result.catch(() => undefined)
    return result
  }

  #cancelUpTimer(): void {
    if (this.#upTimer !== undefined) this.#timers.clearTimeout(this.#upTimer)
    this.#upTimer = undefined
  }

  async #listen(): Promise<void> {
    const server = createServer((req, res) => this.#onRequest(req, res))
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    )
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, this.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#port = (server.address() as AddressInfo).port
    this.#server = server
  }

  async #stopListening(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    this.#hub.dropAll()
    if (server === undefined) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
    // Let clients in this process see their connections close (two event-loop turns, so one poll
    // phase has passed), so that a pooled keep-alive connection is not reused after down().
    for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.#serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
        res.end('500 Internal Server Error\n\nServer got itself in trouble')
      } else {
        res.destroy()
      }
      // A bug in the simulator, not a simulated failure.
      console.error(`comfy-sim ${this.name}: unexpected error while serving ${req.method} ${req.url}`, error)
    })
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const lifetime = this.#lifetime.signal
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
      url = new URL(`${this.url}${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`)
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
    const fault = this.model.fault
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
      this.model.recordResponseBytes(endpoint, written)
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
      return handleControl(this, request, path, afterResponse)
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
      { model: this.model, path },
      { lifetime, countBytes: false },
    )
    if (outcome !== undefined) return outcome
    const allowed = allowedMethods(path)
    return allowed.length > 0 ? methodNotAllowedResponse(allowed) : notFoundResponse()
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined)
    const path = new URL(req.url ?? '/', 'http://sim.invalid').pathname
    const clientId = new URL(req.url ?? '/', 'http://sim.invalid').searchParams.get('clientId')
    if (path !== '/ws' && path !== '/api/ws') {
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
    const fault = this.model.fault
    if (fault?.kind === 'refuse' && fault.endpoints === undefined) {
      resetSocket(socket as Socket)
      return
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(ws, clientId))
  }

  #attach(ws: WebSocket, clientId: string | null): void {
    if (this.#server === undefined) {
      ws.terminate()
      return
    }
    const peer: WsPeer = {
      send: (text) => {
        if (ws.readyState === ws.OPEN) ws.send(text)
      },
      terminate: () => ws.terminate(),
    }
    ws.on('error', () => undefined)
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.#hub.receive(peer, data.toString())
    })
    ws.on('close', () => this.#hub.disconnect(peer))
    this.#hub.connect(peer, clientId)
  }
}

function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)
}

/** The request's headers as Fetch `Headers`, skipping any the Fetch API refuses. */
function headersOf(req: IncomingMessage): Headers {
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
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | number | undefined> {
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
async function writeResponse(res: ServerResponse, response: Response): Promise<number> {
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
function resetSocket(socket: Socket | Duplex): void {
  const tcp = socket as Partial<Socket>
  if (typeof tcp.resetAndDestroy === 'function' && !socket.destroyed) tcp.resetAndDestroy()
  else socket.destroy()
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
}
