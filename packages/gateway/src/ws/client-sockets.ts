import type { WebSocket } from 'ws'

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
    const text = JSON.stringify({ type, data })
    for (const socket of this.#sockets(clientId, owner)) socket.send(text)
  }

  /** Sends a binary frame (a preview) as the server sent it. */
  sendBinary(clientId: string, owner: string, bytes: Uint8Array): void {
    for (const socket of this.#sockets(clientId, owner)) socket.send(bytes, { binary: true })
  }

  /** Sends a JSON message to every socket of `owner` (ComfyUI's broadcast, kept to the caller). */
  broadcastJson(owner: string, type: string, data: unknown): void {
    const text = JSON.stringify({ type, data })
    for (const socket of this.#ownedBy(owner)) socket.send(text)
  }

  /** Sends a binary frame to every socket of `owner`. */
  broadcastBinary(owner: string, bytes: Uint8Array): void {
    for (const socket of this.#ownedBy(owner)) socket.send(bytes, { binary: true })
  }

  /** Sends every socket of `owner` its queue length, as ComfyUI's `status` broadcast. */
  status(owner: string, remaining: number): void {
    const text = JSON.stringify({
      type: 'status',
      data: { status: { exec_info: { queue_remaining: remaining } } },
    })
    for (const [socket, client] of this.#clients)
      if (client.owner === owner && socket.readyState === OPEN) socket.send(text)
  }

  /** Closes every socket (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const socket of this.#clients.keys()) socket.close(code, reason)
    this.#clients.clear()
    this.#byId.clear()
  }

  *#ownedBy(owner: string): Iterable<WebSocket> {
    for (const [socket, client] of this.#clients)
      if (client.owner === owner && socket.readyState === OPEN) yield socket
  }

  *#sockets(clientId: string, owner: string): Iterable<WebSocket> {
    for (const socket of this.#byId.get(clientId) ?? []) {
      // A client id is not a secret: another caller's socket with the same id gets nothing.
      if (this.#clients.get(socket)?.owner === owner && socket.readyState === OPEN) yield socket
    }
  }
}
