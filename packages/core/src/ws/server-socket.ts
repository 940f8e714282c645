import type { Clock, RandomSource, TimerHandle } from '../contracts/clock.js'
import { Backoff, type BackoffPolicy } from '../util/backoff.js'
import type { WebSocketFactory, WebSocketLike } from './web-socket.js'

/** What one server's socket reports. */
export interface SocketHandlers {
  /** A `status` message: the server's `queue_remaining` right now. */
  status(queueRemaining: number): void
  /** Any message about one prompt (`execution_start`, `executing`, `progress`, `execution_success`, …). */
  job(type: string, promptId: string, data: Record<string, unknown>): void
  /** A binary frame (a preview image: ComfyUI's 4-byte event type, then the payload), as sent. */
  binary(bytes: Uint8Array): void
  /**
   * The socket opened (true) or closed (false). On a close, `wasOpen` tells a socket that had been
   * open from a connection attempt that failed.
   */
  connection(open: boolean, reason?: string, wasOpen?: boolean): void
}

const OPEN = 1

/** Reconnection delays: 0.5 s doubling to 30 s, each ±20 % so sockets of many balancers spread out. */
const RECONNECT: BackoffPolicy = { baseMs: 500, maxMs: 30_000, jitter: 0.2 }

/**
 * One WebSocket to one ComfyUI server, reconnected with jittered backoff (0.5 s doubling to 30 s).
 * A new socket is opened only after the old one has closed: ComfyUI mis-routes events when the same
 * `clientId` reconnects while the old socket lingers (ComfyUI issue #16010).
 */
export class ServerSocket {
  #socket: WebSocketLike | undefined
  #timer: TimerHandle | undefined
  readonly #reconnect: Backoff
  #closed = false

  constructor(
    private readonly url: string,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly factory: WebSocketFactory,
    private readonly clock: Clock,
    random: RandomSource,
    private readonly handlers: SocketHandlers,
  ) {
    this.#reconnect = new Backoff(RECONNECT, random)
  }

  get open(): boolean {
    return this.#socket?.readyState === OPEN
  }

  connect(): void {
    if (this.#closed || this.#socket) return
    let socket: WebSocketLike
    try {
      socket = this.factory(this.url, this.headers)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      this.handlers.connection(false, reason, false)
      this.#retry(reason)
      return
    }
    this.#socket = socket
    // A Blob would need an async read, letting later text frames overtake the preview.
    if ('binaryType' in socket) socket.binaryType = 'arraybuffer'
    let opened = false
    socket.addEventListener('open', () => {
      opened = true
      this.#reconnect.reset()
      this.handlers.connection(true)
    })
    socket.addEventListener('message', (event) => this.#message(event.data))
    socket.addEventListener('error', () => undefined)
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return
      this.#socket = undefined
      this.handlers.connection(false, opened ? 'socket closed' : 'connection failed', opened)
      this.#retry('socket closed')
    })
  }

  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    const socket = this.#socket
    this.#socket = undefined
    try {
      socket?.close(1000, 'balancer closed')
    } catch {
      // Closing a socket that never opened can throw in some implementations; it is gone either way.
    }
  }

  #retry(_reason: string): void {
    if (this.#closed) return
    const delay = this.#reconnect.next()
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined
      this.connect()
    }, delay)
  }

  #message(data: unknown): void {
    // Binary frames are previews; only JSON text frames carry status and job events.
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      this.handlers.binary(bytes)
      return
    }
    if (typeof data !== 'string') return
    let message: { type?: unknown; data?: unknown }
    try {
      message = JSON.parse(data)
    } catch {
      return
    }
    const body =
      typeof message.data === 'object' && message.data !== null
        ? (message.data as Record<string, unknown>)
        : {}
    if (message.type === 'status') {
      const status = body.status as { exec_info?: { queue_remaining?: unknown } } | undefined
      const remaining = status?.exec_info?.queue_remaining
      if (typeof remaining === 'number' && Number.isInteger(remaining) && remaining >= 0)
        this.handlers.status(remaining)
      return
    }
    if (typeof message.type === 'string' && typeof body.prompt_id === 'string') {
      this.handlers.job(message.type, body.prompt_id, body)
    }
  }
}
