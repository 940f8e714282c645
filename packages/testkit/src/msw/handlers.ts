import { HttpResponse, http, type RequestHandler } from 'msw'
import type { ComfyModel } from '../model/types'
import { activeFault, faultedReply, NETWORK_ERROR } from './faults'
import { replyBytes } from './replies'
import { BaseUrlRouter, matchRoute } from './router'
import { ROUTES, type Route } from './routes'

/**
 * msw handlers for a set of simulated ComfyUI servers keyed by base URL (`http://gpu-a.test:8188`,
 * optionally with a path prefix). One handler per route, however many servers: each resolves the
 * server by origin and longest path prefix, so a thousand servers cost what one does. Requests to
 * an unknown base URL are left unhandled, so `onUnhandledRequest: 'error'` reports them.
 *
 * Every route is also served under `/api`, as ComfyUI does. Each server's fault is applied per
 * request, and its request and byte counters are updated.
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
  return ROUTES.map((route) => {
    const method = route.method === 'GET' ? http.get : http.post
    return method(`*${route.path}`, ({ request }) => serve(router, route, request))
  })
}

async function serve(router: BaseUrlRouter, route: Route, request: Request): Promise<Response | undefined> {
  const url = new URL(request.url)
  const target = router.resolve(url)
  if (target === undefined) return undefined
  const params = matchRoute(route.path, target.path)
  if (params === undefined) return undefined
  const { model } = target
  model.recordRequest(route.endpoint)
  const bodyText = route.method === 'POST' ? await request.text() : ''
  const fault = activeFault(model.fault, route.endpoint)
  const reply = await faultedReply(route, { model, request, url, params, bodyText }, fault)
  if (reply === NETWORK_ERROR) return HttpResponse.error()
  model.recordResponseBytes(route.endpoint, replyBytes(reply))
  return new HttpResponse(reply.body as BodyInit | null, { status: reply.status, headers: reply.headers })
}
