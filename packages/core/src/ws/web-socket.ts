/** The part of the standard `WebSocket` the balancer uses (browsers' and undici's both fit). */
export interface WebSocketLike {
  readonly readyState: number
  /** Set to `'arraybuffer'` where supported, so binary preview frames arrive whole and in order. */
  binaryType?: string
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void
  close(code?: number, reason?: string): void
}

/**
 * Opens a WebSocket to `url`. `headers` carry the server's auth headers: Node transports can send
 * them; browsers cannot (a browser WebSocket sends cookies only).
 */
export type WebSocketFactory = (url: string, headers: Readonly<Record<string, string>>) => WebSocketLike

/** The global `WebSocket` (browsers, Node 22+), or undefined where there is none (Node 20). */
export function defaultWebSocketFactory(): WebSocketFactory | undefined {
  const Global = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket
  return Global ? (url) => new Global(url) : undefined
}

/** `ws(s)://host[/prefix]/ws?clientId=…` for a server's base URL (keeping any query, e.g. a token). */
export function webSocketUrl(base: string, clientId: string): string {
  const url = new URL(base)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`
  url.searchParams.set('clientId', clientId)
  return url.toString()
}
