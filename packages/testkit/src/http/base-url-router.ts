import type { ComfyModel } from '../model/types'

/** A request resolved to its server: the model and the path below the server's base URL. */
export interface RoutedRequest {
  model: ComfyModel
  /** Path after the base URL's own path, starting with `/`, still percent-encoded. */
  path: string
}

/**
 * Maps request URLs to servers by base URL: a hash lookup by origin, then by path prefix, trying
 * the request path and each parent path, longest first. Cost grows with path depth, never with the
 * number of servers, even when many share one origin behind a path-routing proxy.
 */
export class BaseUrlRouter {
  readonly #byOrigin = new Map<string, Map<string, ComfyModel>>()

  constructor(servers: Iterable<readonly [string, ComfyModel]>) {
    for (const [baseUrl, model] of servers) {
      const url = new URL(baseUrl)
      const prefix = url.pathname.replace(/\/+$/, '')
      const mounts = this.#byOrigin.get(url.origin) ?? new Map<string, ComfyModel>()
      if (mounts.has(prefix)) {
        throw new Error(`Two simulated servers share the base URL ${url.origin}${prefix}; give each its own.`)
      }
      mounts.set(prefix, model)
      this.#byOrigin.set(url.origin, mounts)
    }
  }

  /** The server for this URL, or undefined when no base URL matches. */
  resolve(requestUrl: string | URL): RoutedRequest | undefined {
    const url = typeof requestUrl === 'string' ? new URL(requestUrl) : requestUrl
    const mounts = this.#byOrigin.get(url.origin)
    if (mounts === undefined) return undefined
    const { pathname } = url
    for (let prefix = pathname.replace(/\/+$/, ''); ; prefix = prefix.slice(0, prefix.lastIndexOf('/'))) {
      const model = mounts.get(prefix)
      if (model !== undefined) return { model, path: pathname.slice(prefix.length) || '/' }
      if (prefix === '') return undefined
    }
  }
}

/**
 * Matches a path against a route like `/history/:promptId`, also under the `/api` mirror that
 * ComfyUI registers for every route. Returns the decoded parameters, or undefined.
 */
export function matchRoute(route: string, path: string): Record<string, string> | undefined {
  return (
    matchSegments(route, path) ?? (path.startsWith('/api/') ? matchSegments(route, path.slice(4)) : undefined)
  )
}

function matchSegments(route: string, path: string): Record<string, string> | undefined {
  const expected = route.split('/')
  const actual = path.split('/')
  if (expected.length !== actual.length) return undefined
  const params: Record<string, string> = {}
  for (const [index, part] of expected.entries()) {
    const value = actual[index]!
    if (part.startsWith(':')) {
      if (value === '') return undefined
      try {
        params[part.slice(1)] = decodeURIComponent(value)
      } catch {
        return undefined
      }
    } else if (part !== value) {
      return undefined
    }
  }
  return params
}
