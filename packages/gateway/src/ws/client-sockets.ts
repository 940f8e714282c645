import type { WebSocket } from 'ws'
import type { BusMessage, GatewayBus } from '../state/gateway-bus.js'

const OPEN = 1

interface Client {
  readonly clientId: string
  readonly owner: string
}

/**
 * The gateway's client WebSockets, by ComfyUI client id. Unlike ComfyUI (whose reconnect with the
 * same id can orphan the new socket), several sockets may share an id: each gets its messages.
 */
export class ClientSockets {
  readonly #byId = new Map<string, Set<WebSocket>>()
  readonly #clients = new Map<WebSocket, Client>()
  readonly #dueStatus = new Map<string, () => number>()

  /** With a bus, every message also goes to the other gateways' sockets of the same caller. */
  constructor(private readonly bus?: GatewayBus) {}

  /** A message another gateway sent: to this gateway's sockets only. */
  receive(message: BusMessage): void {
    if (message.kind === 'json') {
      if (message.clientId === undefined)
        this.#toOwner(message.owner, JSON.stringify({ type: message.type, data: message.data }))
      else
        this.#toClient(
          message.clientId,
          message.owner,
          JSON.stringify({ type: message.type, data: message.data }),
        )
    } else if (message.kind === 'binary') {
      if (message.clientId === undefined) this.#toOwner(message.owner, message.bytes)
      else this.#toClient(message.clientId, message.owner, message.bytes)
    }
  }

  add(socket: WebSocket, client: Client): void {
    this.#clients.set(socket, client)
    const set = this.#byId.get(client.clientId) ?? new Set()
    set.add(socket)
    this.#byId.set(client.clientId, set)
  }

  remove(socket: WebSocket): void {
    const client = this.#clients.get(socket)
    if (client === undefined) return
    this.#clients.delete(socket)
    const set = this.#byId.get(client.clientId)
    set?.delete(socket)
    if (set?.size === 0) this.#byId.delete(client.clientId)
  }

  /** Sockets open now. */
  get size(): number {
    return this.#clients.size
  }

  /** Sends a JSON message to the sockets of `clientId` that belong to `owner`. */
  sendJson(clientId: string, owner: string, type: string, data: unknown): void {
    this.#toClient(clientId, owner, JSON.stringify({ type, data }))
    this.bus?.publish({ kind: 'json', owner, clientId, type, data })
  }

  /** Sends a binary frame (a preview) as the server sent it. */
  sendBinary(clientId: string, owner: string, bytes: Uint8Array): void {
    this.#toClient(clientId, owner, bytes)
    this.bus?.publish({ kind: 'binary', owner, clientId, bytes })
  }

  /** Sends a JSON message to every socket of `owner` (ComfyUI's broadcast, kept to the caller). */
  broadcastJson(owner: string, type: string, data: unknown): void {
    this.#toOwner(owner, JSON.stringify({ type, data }))
    this.bus?.publish({ kind: 'json', owner, type, data })
  }

  /** Sends a binary frame to every socket of `owner`. */
  broadcastBinary(owner: string, bytes: Uint8Array): void {
    this.#toOwner(owner, bytes)
    this.bus?.publish({ kind: 'binary', owner, bytes })
  }

  /**
   * `status` for the caller once the current burst of work is done (after the response that caused
   * it): a burst of POSTs sends each socket one `status`, not one per prompt.
   */
  statusSoon(owner: string, remaining: () => number): void {
    const first = this.#dueStatus.size === 0
    this.#dueStatus.set(owner, remaining)
    if (!first) return
    setImmediate(() => {
      const due = [...this.#dueStatus]
      this.#dueStatus.clear()
      for (const [who, count] of due) this.status(who, count())
    })
  }

  /** Sends every socket of `owner` its queue length, as ComfyUI's `status` broadcast. */
  status(owner: string, remaining: number): void {
    this.broadcastJson(owner, 'status', { status: { exec_info: { queue_remaining: remaining } } })
  }

  /** Closes every socket (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const socket of this.#clients.keys()) socket.close(code, reason)
    this.#clients.clear()
    this.#byId.clear()
  }

  #toOwner(owner: string, payload: string | Uint8Array): void {
    for (const [socket, client] of this.#clients) {
      if (client.owner === owner && socket.readyState === OPEN)
        socket.send(payload, { binary: typeof payload !== 'string' })
    }
  }

  #toClient(clientId: string, owner: string, payload: string | Uint8Array): void {
    for (const socket of this.#byId.get(clientId) ?? []) {
      // A client id is not a secret: another caller's socket with the same id gets nothing.
      if (this.#clients.get(socket)?.owner === owner && socket.readyState === OPEN)
        socket.send(payload, { binary: typeof payload !== 'string' })
    }
  }
}
