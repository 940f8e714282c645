import { Agent, WebSocket as UndiciWebSocket, fetch as undiciFetch } from 'undici'
import type { FetchLike } from './probe/fetch-json.js'
import type { WebSocketFactory } from './ws/web-socket.js'

/** Options for the Node transport. */
export interface NodeTransportOptions {
  /** Sockets kept per server (origin). Probes need one or two. Default 8. */
  readonly connections?: number
  /** How long an idle socket is kept open (ms). Default 30 s: longer than the default probe interval. */
  readonly keepAliveTimeoutMs?: number
  /** Connect timeout (ms). Default 5 s. */
  readonly connectTimeoutMs?: number
}

/** A keep-alive HTTP transport for Node, for the balancer's `fetch` option. */
export interface NodeTransport {
  readonly fetch: FetchLike
  /** Opens undici WebSockets (Node 20 has no global one) with the server's auth headers: for `ws` mode. */
  readonly webSocket: WebSocketFactory
  /** Closes every pooled socket. Call it after `balancer.dispose()` on shutdown. */
  close(): Promise<void>
}

/**
 * undici with a keep-alive pool: probing many servers every few seconds reuses sockets instead of
 * opening new ones.
 *
 * @example
 * ```ts
 * import { createLoadBalancer } from '@comfy-balancer/core'
 * import { createNodeTransport } from '@comfy-balancer/core/node'
 *
 * const transport = createNodeTransport()
 * const balancer = createLoadBalancer({ config, fetch: transport.fetch, webSocket: transport.webSocket })
 * ```
 */
export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const dispatcher = new Agent({
    connections: options.connections ?? 8,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
  })
  const fetch: FetchLike = (input, init) =>
    undiciFetch(input, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    }) as unknown as Promise<Response>
  const webSocket: WebSocketFactory = (url, headers) =>
    new UndiciWebSocket(url, { headers: { ...headers }, dispatcher } as ConstructorParameters<
      typeof UndiciWebSocket
    >[1])
  return { fetch, webSocket, close: () => dispatcher.close() }
}
