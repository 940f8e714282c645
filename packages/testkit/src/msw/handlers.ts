import { HttpResponse, type HttpResponseResolver, http, type RequestHandler } from 'msw'
import { BaseUrlRouter } from '../http/base-url-router'
import { handleComfyRoute, NETWORK_ERROR } from '../http/handle'
import { ROUTES } from '../http/routes'
import type { ComfyModel } from '../model/types'

/**
 * msw handlers for a set of simulated ComfyUI servers keyed by base URL (`http://gpu-a.test:8188`,
 * optionally with a path prefix). One handler per method, however many servers: each resolves the
 * server by origin and longest path prefix, so a thousand servers cost what one does. Requests to an unknown
 * base URL or route are left unhandled, so `onUnhandledRequest: 'error'` reports them.
 *
 * Every route is also served under `/api`, as ComfyUI does. Each server's fault is applied per
 * request, and its request and byte counters are updated. The routes are the ones the real sim
 * server (`@comfy-balancer/testkit/sim`) serves, through the same Request → Response function.
 *
 * @example
 * ```ts
 * const clock = createTestClock()
 * const server = setupServer(...comfyHandlers({ 'http://gpu-a.test:8188': createComfyModel({ clock }) }))
 * server.listen({ onUnhandledRequest: 'error' })
 * await fetch('http://gpu-a.test:8188/prompt') // {"exec_info": {"queue_remaining": 0}}
 * ```
 */
export function comfyHandlers(
  servers: ReadonlyMap<string, ComfyModel> | Readonly<Record<string, ComfyModel>>,
): RequestHandler[] {
  const router = new BaseUrlRouter(servers instanceof Map ? servers.entries() : Object.entries(servers))
  const resolver: HttpResponseResolver = async ({ request }) => {
    const target = router.resolve(request.url)
    if (target === undefined) return undefined
    const outcome = await handleComfyRoute(request, target)
    return outcome === NETWORK_ERROR ? HttpResponse.error() : outcome
  }
  // One handler per method whose URL pattern lists the route paths, so msw's own match leaves
  // every other request unhandled. HEAD is served like GET, as aiohttp's add_get does.
  const gets = routePattern('GET')
  return [http.get(gets, resolver), http.head(gets, resolver), http.post(routePattern('POST'), resolver)]
}

/** Matches a URL whose path ends in one of the method's route paths (so also under `/api` and base paths). */
function routePattern(method: 'GET' | 'POST'): RegExp {
  const paths = ROUTES.filter((route) => route.method === method).map((route) =>
    route.path
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/'),
  )
  return new RegExp(`(?:${paths.join('|')})$`)
}
