import type { InFlightCounter } from '../balancer/in-flight.js'
import { queuePushed, withRunningSince } from '../balancer/server-reducer.js'
import type { BalancerStore } from '../balancer/store.js'
import type { Clock, RandomSource } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { RequestTarget } from '../util/request-target.js'
import { type BackloggedMessage, PromptBacklog } from './prompt-backlog.js'
import { BINARY_FRAME, runningAfter } from './running-prompt.js'
import { ServerSocket } from './server-socket.js'
import { SocketLife } from './socket-life.js'
import { type WebSocketFactory, webSocketUrl } from './web-socket.js'

/** A job message pushed by a server: its ComfyUI type and data. */
/**
 * Gets one pushed message about a prompt; it may be replayed later than it came: `at` is when it
 * arrived, `epoch` the socket connection it came over.
 */
export type PromptListener = (
  type: string,
  data: Record<string, unknown>,
  serverId: string,
  at: number,
  epoch: number | undefined,
) => void

export interface HubHost {
  readonly clock: Clock
  readonly random: RandomSource
  readonly logger: Logger
  readonly store: BalancerStore
  readonly factory: WebSocketFactory
  readonly clientId: string
  target(id: string): RequestTarget | undefined
  counter(id: string): InFlightCounter | undefined
  /** A job message arrived from the server: it is alive and working (stall detection). */
  progressed(id: string): void
}

/**
 * One WebSocket per server (probe mode `ws`): queue lengths arrive as `status` pushes the moment
 * they change, and job events (start, progress, end) reach whoever follows that prompt.
 */
export class SocketHub {
  readonly #sockets = new Map<string, ServerSocket>()
  readonly #lives = new Map<string, SocketLife>()
  readonly #listeners = new Map<string, Set<PromptListener>>()
  readonly #backlog = new PromptBacklog()
  /** The prompt each server is running, by its pushes: where its binary preview frames belong. */
  readonly #running = new Map<string, string>()

  constructor(private readonly host: HubHost) {}

  /** Opens sockets for `ids` not yet connected and closes those no longer configured. */
  sync(ids: readonly string[]): void {
    const wanted = new Set(ids)
    for (const [id, socket] of this.#sockets) {
      if (!wanted.has(id)) {
        socket.close()
        this.#sockets.delete(id)
        this.#lives.delete(id)
        this.#running.delete(id)
      }
    }
    for (const id of wanted) {
      if (this.#sockets.has(id)) continue
      const target = this.host.target(id)
      if (!target) continue
      const life = new SocketLife()
      this.#lives.set(id, life)
      const socket = new ServerSocket(
        webSocketUrl(target.base, this.host.clientId),
        target.headers,
        this.host.factory,
        this.host.clock,
        this.host.random,
        {
          status: (remaining) => this.#status(id, remaining),
          job: (type, promptId, data) => {
            this.#track(id, type)
            const running = runningAfter(this.#running.get(id), type, promptId, data)
            if (running === undefined) this.#running.delete(id)
            else this.#running.set(id, running)
            const message = { type, data, serverId: id, at: this.host.clock.now(), epoch: this.openEpoch(id) }
            const listeners = this.#listeners.get(promptId)
            if (listeners === undefined) this.#backlog.add(promptId, message)
            else for (const listener of listeners) this.#deliver(listener, message)
          },
          binary: (bytes) => {
            const promptId = this.#running.get(id)
            // Previews are only worth something live: none is kept for a prompt nobody follows yet.
            const listeners = promptId === undefined ? undefined : this.#listeners.get(promptId)
            if (listeners === undefined) return
            const message = {
              type: BINARY_FRAME,
              data: { bytes },
              serverId: id,
              at: this.host.clock.now(),
              epoch: this.openEpoch(id),
            }
            for (const listener of listeners) this.#deliver(listener, message)
          },
          connection: (open, reason, wasOpen) => {
            if (open) life.opened()
            else life.closed(wasOpen === true)
            if (!open) this.#running.delete(id)
            this.host.logger.debug(`${id} WebSocket ${open ? 'open' : `closed: ${reason}`}`)
          },
        },
      )
      this.#sockets.set(id, socket)
      socket.connect()
    }
  }

  /** Whether the server's socket is open (its queue is pushed, so probes may skip reading it). */
  isOpen(id: string): boolean {
    return this.#sockets.get(id)?.open ?? false
  }

  /** The epoch of the server's open socket (one per successful open), if one is open. */
  openEpoch(id: string): number | undefined {
    return this.#lives.get(id)?.openEpoch
  }

  /** Whether every message the server sent during `epoch` has arrived, and nothing ran after it (see SocketLife). */
  watchedThrough(id: string, epoch: number): 'open' | 'died' | 'unknown' {
    return this.#lives.get(id)?.watchedThrough(epoch) ?? 'unknown'
  }

  /** Listens to pushed messages about one prompt, from whichever server sends them. */
  onPrompt(promptId: string, listener: PromptListener): () => void {
    let set = this.#listeners.get(promptId)
    if (!set) {
      set = new Set()
      this.#listeners.set(promptId, set)
    }
    set.add(listener)
    for (const message of this.#backlog.take(promptId)) this.#deliver(listener, message)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.#listeners.delete(promptId)
    }
  }

  close(): void {
    for (const socket of this.#sockets.values()) socket.close()
    this.#sockets.clear()
    this.#lives.clear()
    this.#running.clear()
    this.#listeners.clear()
    this.#backlog.clear()
  }

  // One job's listener failing must not break the socket nor the other jobs' events.
  #deliver(listener: PromptListener, { type, data, serverId, at, epoch }: BackloggedMessage): void {
    try {
      listener(type, data, serverId, at, epoch)
    } catch (error) {
      this.host.logger.error(`a job event listener threw on ${type} from ${serverId}; carried on`, {
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  /** Knowing when the running prompt started lets strategies estimate the time it has left. */
  #track(id: string, type: string): void {
    this.host.progressed(id)
    if (type === 'execution_start') {
      this.host.store.update(id, (s) => withRunningSince(s, this.host.clock.now()))
    } else if (
      type === 'execution_success' ||
      type === 'execution_error' ||
      type === 'execution_interrupted'
    ) {
      this.host.store.update(id, (s) => withRunningSince(s, undefined))
    }
  }

  #status(id: string, remaining: number): void {
    const counter = this.host.counter(id)
    if (!counter) return
    // A push is a probe that starts and ends now: jobs handed out before it are in its count.
    counter.probeSeen(counter.probeStarted())
    this.host.store.update(id, (s) =>
      queuePushed(
        remaining === 0 ? withRunningSince(s, undefined) : s,
        remaining,
        this.host.clock.now(),
        counter.total,
      ),
    )
  }
}
