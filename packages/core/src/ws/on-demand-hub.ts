import type { BalancerConfig } from '../config/types.js'
import { InvalidArgumentError } from '../errors/server-errors.js'
import { type HubHost, type PromptListener, SocketHub } from './socket-hub.js'
import type { WebSocketFactory } from './web-socket.js'

/** What opening the hub needs: the hub's own needs, with the factory possibly missing. */
export interface OnDemandHubHost extends Omit<HubHost, 'factory'> {
  readonly factory: WebSocketFactory | undefined
  /** The ids of the servers configured now. */
  ids(): readonly string[]
}

/**
 * The WebSocket hub of probe mode `ws`, opened on first use (one socket per server): before that,
 * and in the other modes, nothing pushes and nothing is connected.
 */
export class OnDemandSocketHub {
  #hub: SocketHub | undefined

  constructor(private readonly host: OnDemandHubHost) {}

  /**
   * Opens the hub if `config` asks for pushed queues (`ws`, or `auto` with a WebSocket at hand)
   * and it is not open yet.
   */
  openIfWanted(config: BalancerConfig | undefined): void {
    const mode = config?.probe.queueMode
    const host = this.host
    const factory = host.factory
    if (this.#hub !== undefined || !(mode === 'ws' || (mode === 'auto' && factory))) return
    if (!factory) {
      throw new InvalidArgumentError(
        "probe.queueMode 'ws' needs a WebSocket: pass `webSocket` (on Node 20: createNodeTransport().webSocket).",
      )
    }
    this.#hub = new SocketHub({
      clock: host.clock,
      random: host.random,
      logger: host.logger,
      store: host.store,
      factory,
      clientId: host.clientId,
      target: (id) => host.target(id),
      counter: (id) => host.counter(id),
      progressed: (id) => host.progressed(id),
    })
    this.#hub.sync(host.ids())
  }

  /** Opens sockets for servers not yet connected and closes those no longer configured. */
  sync(ids: readonly string[]): void {
    this.#hub?.sync(ids)
  }

  /** True while the server pushes over an open socket. */
  isOpen(id: string): boolean {
    return this.#hub?.isOpen(id) ?? false
  }

  /** The epoch of the server's open socket, if one is open (see SocketLife). */
  openEpoch(id: string): number | undefined {
    return this.#hub?.openEpoch(id)
  }

  /** Whether every message the server sent during `epoch` has arrived, and nothing ran after it. */
  watchedThrough(id: string, epoch: number): 'open' | 'died' | 'unknown' {
    return this.#hub?.watchedThrough(id, epoch) ?? 'unknown'
  }

  /** Listens to pushed messages about one prompt (a no-op while the hub is closed). */
  onPrompt(promptId: string, listener: PromptListener): () => void {
    return this.#hub?.onPrompt(promptId, listener) ?? (() => undefined)
  }

  close(): void {
    this.#hub?.close()
  }
}
