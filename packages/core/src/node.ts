import { Agent, WebSocket as UndiciWebSocket, fetch as undiciFetch } from 'undici'
import type { FetchLike } from './probe/fetch-json.js'

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
  /** undici's WebSocket (Node 20 has no global one), for the `ws` probe mode. */
  readonly WebSocket: typeof UndiciWebSocket
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
 * const balancer = createLoadBalancer({ config: { servers: ['http://10.0.0.5:8188'] }, fetch: transport.fetch })
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
  return { fetch, WebSocket: UndiciWebSocket, close: () => dispatcher.close() }
}
