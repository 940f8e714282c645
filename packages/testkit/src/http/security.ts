import { versionAtLeast } from '@comfy-balancer/comfyui-rules'
import type { ComfyOutcome } from './handle'
import { NETWORK_ERROR } from './handle'

/** How the server treats browsers: ComfyUI's `--enable-cors-header`, or its origin check when that is off. */
export interface SecurityOptions {
  /** The `--enable-cors-header` value (`'*'` for the bare flag), or undefined for the origin check. */
  corsOrigin?: string | undefined
  /** The simulated ComfyUI version; the `Sec-Fetch-Site` check exists from 0.19.0. */
  version: string
}

/** server.py's `create_cors_middleware` headers (v0.26.0: no PATCH yet). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST, GET, DELETE, PUT, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization',
    'Access-Control-Allow-Credentials': 'true',
  }
}

/**
 * ComfyUI's browser middleware around `next`, the route handler. With CORS on, OPTIONS gets an
 * empty 200 and every response the CORS headers. With CORS off, the origin check runs first (403
 * for a cross-site browser request or a Host/Origin mismatch on a loopback Host), then OPTIONS
 * gets an empty 200. `host` is the request's `Host` header.
 */
export async function withComfySecurity(
  request: Request,
  host: string | undefined,
  options: SecurityOptions,
  next: () => Promise<ComfyOutcome>,
): Promise<ComfyOutcome> {
  const { corsOrigin } = options
  if (corsOrigin === undefined) {
    if (originRejected(request.headers, host, options.version)) return new Response(null, { status: 403 })
    return request.method === 'OPTIONS' ? new Response(null, { status: 200 }) : next()
  }
  const outcome = request.method === 'OPTIONS' ? new Response(null, { status: 200 }) : await next()
  if (outcome === NETWORK_ERROR) return outcome
  for (const [name, value] of Object.entries(corsHeaders(corsOrigin))) outcome.headers.set(name, value)
  return outcome
}

/**
 * server.py's `origin_only_middleware` check (also applied to WebSocket upgrades): true when the
 * request must get a 403.
 */
export function originRejected(headers: Headers, host: string | undefined, version: string): boolean {
  if (versionAtLeast(version, [0, 19, 0]) && headers.get('Sec-Fetch-Site') === 'cross-site') return true
  const origin = headers.get('Origin')
  if (host === undefined || origin === null) return false
  let hostDomain: string | undefined = host.toLowerCase()
  const parsedHost = splitNetloc(hostDomain)
  const originNetloc = netlocOf(origin).toLowerCase()
  let originDomain: string | undefined = originNetloc
  const parsedOrigin = splitNetloc(originNetloc)
  const loopback = isLoopback(parsedHost.hostname)
  // "if origin doesn't have a port strip it from the host to handle weird browsers, same for host"
  if (parsedOrigin.port === undefined) hostDomain = parsedHost.hostname
  if (parsedHost.port === undefined) originDomain = parsedOrigin.hostname
  return loopback && !!hostDomain && !!originDomain && hostDomain !== originDomain
}

/** `urllib.parse.urlparse(origin).netloc`: what follows `scheme://` up to the path; '' otherwise. */
function netlocOf(url: string): string {
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(url)
  return match?.[1] ?? ''
}

/** `urlsplit('//' + netloc)`'s `hostname` (lowercase, no brackets) and `port`. */
function splitNetloc(netloc: string): { hostname: string | undefined; port: number | undefined } {
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1)
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostPort)
  if (bracketed !== null) return { hostname: bracketed[1]!.toLowerCase(), port: toPort(bracketed[2]) }
  const colon = hostPort.lastIndexOf(':')
  const hostname = colon < 0 ? hostPort : hostPort.slice(0, colon)
  const port = colon < 0 ? undefined : toPort(hostPort.slice(colon + 1))
  return { hostname: hostname === '' ? undefined : hostname.toLowerCase(), port }
}

function toPort(text: string | undefined): number | undefined {
  return text === undefined || text === '' || !/^\d+$/.test(text) ? undefined : Number(text)
}

/**
 * `is_loopback`: loopback IP literals, and names that resolve only to loopback addresses. Without a
 * DNS lookup, `localhost` and `*.localhost` stand for the names that do.
 */
export function isLoopback(hostname: string | undefined): boolean {
  if (hostname === undefined) return false
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)) return true
  if (hostname === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(hostname)) return true
  return hostname === 'localhost' || hostname.endsWith('.localhost')
}

/** aiohttp's answer for a path no route serves. */
export function notFoundResponse(): Response {
  return new Response('404: Not Found', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  })
}

/** aiohttp's answer for a known path with another method. */
export function methodNotAllowedResponse(allowed: readonly string[]): Response {
  return new Response('405: Method Not Allowed', {
    status: 405,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', Allow: allowed.join(',') },
  })
}
