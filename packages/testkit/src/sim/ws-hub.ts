import { pythonJson } from '../http/python-json'
import { encodePreviewFrame, encodePreviewWithMetadataFrame } from '../model/preview-frames'
import { PREVIEW_IMAGE_EVENT, PREVIEW_WITH_METADATA_EVENT, type PreviewEventData } from '../model/previews'
import type { ComfyModel, ModelEvent } from '../model/types'

/** One WebSocket connection, as the hub sees it. */
export interface WsPeer {
  /** Sends a text frame (a string) or a binary frame (bytes); a closed peer ignores it. */
  send(frame: string | Uint8Array): void
  /** Closes the connection at once (a dropped socket, not a close handshake). */
  terminate(): void
}

/** Options of {@link WsHub}. */
export interface WsHubOptions {
  /**
   * Reproduce ComfyUI issue #16010: when a socket whose clientId was taken over by a newer
   * connection closes, it removes the newer one's registration, which then receives nothing.
   * Default false: only a socket's own registration is removed.
   */
  reconnectBug?: boolean
}

// `GET /features` of v0.3.64, the flags a server sends back to a client that negotiates.
const SERVER_FEATURE_FLAGS = { supports_preview_metadata: true, max_upload_size: 104_857_600 }

const EXECUTION_ENDS = new Set(['execution_success', 'execution_error', 'execution_interrupted'])

interface Connection {
  readonly sid: string
  /** Whether the first text frame has been read (`first_message` in server.py). */
  negotiated: boolean
  /** The client's `feature_flags`, as `sockets_metadata[sid]` keeps them. */
  flags: Record<string, unknown>
}

/**
 * server.py's `/ws` sessions over a model's events: `sockets[sid]`, the `status` greeting with
 * `sid`, targeted and broadcast delivery, the `executing` replay for a reconnecting client of the
 * running job, and feature-flag negotiation. Transport-agnostic: the sim feeds it `ws` sockets.
 */
export class WsHub {
  readonly #model: ComfyModel
  readonly #reconnectBug: boolean
  /** `self.sockets`: sid → the socket that receives its messages. */
  readonly #sockets = new Map<string, WsPeer>()
  /** Every open connection, including ones whose sid was taken over. */
  readonly #connections = new Map<WsPeer, Connection>()
  /** `server.client_id` / `server.last_node_id` of the running job, with its prompt id. */
  #lastNode: { clientId: string; node: string; promptId: string } | undefined
  readonly #unsubscribe: () => void

  constructor(model: ComfyModel, options: WsHubOptions = {}) {
    this.#model = model
    this.#reconnectBug = options.reconnectBug ?? false
    this.#unsubscribe = model.onEvent((event) => this.#deliver(event))
  }

  /** Open connections, including any whose clientId a newer connection took over. */
  get size(): number {
    return this.#connections.size
  }

  /** The registered clientIds (sids), in registration order. */
  get clientIds(): string[] {
    return [...this.#sockets.keys()]
  }

  /**
   * A new connection with the `clientId` query value (empty or absent: a fresh `uuid4().hex`).
   * Sends the `status` greeting, then `executing` if this client's job is running. Returns the sid.
   */
  connect(peer: WsPeer, clientId: string | null | undefined): string {
    const sid = clientId ? clientId : globalThis.crypto.randomUUID().replaceAll('-', '')
    // "Reusing existing session, remove old": the old socket stays open but is no longer addressed.
    this.#sockets.delete(sid)
    this.#sockets.set(sid, peer)
    this.#connections.set(peer, { sid, negotiated: false, flags: {} })
    const status = { status: { exec_info: { queue_remaining: this.#model.queueRemaining } }, sid }
    peer.send(pythonJson({ type: 'status', data: status }))
    const last = this.#lastNode
    if (last !== undefined && last.clientId === sid && this.#isRunning(last.promptId)) {
      peer.send(pythonJson({ type: 'executing', data: { node: last.node } }))
    }
    return sid
  }

  /**
   * A text frame from the client: only a first-frame `feature_flags` message is answered, and its
   * flags kept. A frame that is not a JSON object does not count as the first (server.py's parse
   * error skips its `first_message = False`).
   */
  receive(peer: WsPeer, text: string): void {
    const connection = this.#connections.get(peer)
    if (connection === undefined || connection.negotiated) return
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      return
    }
    if (!isObject(message)) return
    connection.negotiated = true
    if (message.type === 'feature_flags') {
      connection.flags = isObject(message.data) ? message.data : {}
      peer.send(pythonJson({ type: 'feature_flags', data: SERVER_FEATURE_FLAGS }))
    }
  }

  /** The connection closed: the handler's `finally: self.sockets.pop(sid, None)`. */
  disconnect(peer: WsPeer): void {
    const connection = this.#connections.get(peer)
    if (connection === undefined) return
    this.#connections.delete(peer)
    if (this.#reconnectBug || this.#sockets.get(connection.sid) === peer) this.#sockets.delete(connection.sid)
  }

  /** Drops every connection, as a crashing or unreachable server does. */
  dropAll(): void {
    const peers = [...this.#connections.keys()]
    this.#connections.clear()
    this.#sockets.clear()
    for (const peer of peers) peer.terminate()
  }

  /** Forgets the running job's node (after a crash). */
  reset(): void {
    this.#lastNode = undefined
  }

  /** Stops listening to the model and drops every connection. */
  dispose(): void {
    this.#unsubscribe()
    this.dropAll()
  }

  #deliver(event: ModelEvent): void {
    this.#track(event)
    if (this.#sockets.size === 0) return
    const frame = this.#frame(event)
    if (frame === undefined) return
    if (event.clientId === undefined) {
      for (const peer of [...this.#sockets.values()]) peer.send(frame)
    } else {
      this.#sockets.get(event.clientId)?.send(frame)
    }
  }

  /** The frame an event makes, or undefined for a preview on the path this client does not take. */
  #frame(event: ModelEvent): string | Uint8Array | undefined {
    const isMetadata = event.type === PREVIEW_WITH_METADATA_EVENT
    if (!isMetadata && event.type !== PREVIEW_IMAGE_EVENT)
      return pythonJson({ type: event.type, data: event.data })
    // feature_flags.supports_feature: the flag must be exactly true, on the socket registered for the sid.
    const socket = event.clientId === undefined ? undefined : this.#sockets.get(event.clientId)
    const supported =
      socket !== undefined && this.#connections.get(socket)?.flags.supports_preview_metadata === true
    if (isMetadata !== supported) return undefined
    const { format, image, metadata } = event.data as PreviewEventData
    return isMetadata
      ? encodePreviewWithMetadataFrame(format, image, metadata)
      : encodePreviewFrame(format, image)
  }

  #track(event: ModelEvent): void {
    if (event.clientId === undefined) return
    const data = event.data as { node?: unknown; prompt_id?: unknown }
    if (event.type === 'executing' && typeof data.node === 'string' && typeof data.prompt_id === 'string') {
      this.#lastNode = { clientId: event.clientId, node: data.node, promptId: data.prompt_id }
    } else if (EXECUTION_ENDS.has(event.type)) {
      this.#lastNode = undefined
    }
  }

  #isRunning(promptId: string): boolean {
    return this.#model.jobStatus(promptId)?.status === 'in_progress'
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
