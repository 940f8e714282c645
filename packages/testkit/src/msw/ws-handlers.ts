import { type WebSocketHandler, ws } from 'msw'
import { BaseUrlRouter } from '../http/base-url-router'
import type { ComfyModel } from '../model/types'
import { WsHub } from '../sim/ws-hub'

/**
 * msw WebSocket handlers for the same simulated servers: each server's `/ws` (and `/api/ws`) speaks
 * through the real simulator's {@link WsHub} over the model's events — the `status` greeting with
 * `sid`, queue pushes and job messages — so a balancer with a WebSocket (a browser, happy-dom,
 * Node 22) gets pushes from msw as from the real simulator. One handler however many servers (each
 * found by base URL, as the HTTP handlers do). A server whose fault refuses every endpoint refuses
 * the socket too. Binary preview frames too, when a model has `previews` on.
 */
export function comfyWebSocketHandlers(
  servers: ReadonlyMap<string, ComfyModel> | Readonly<Record<string, ComfyModel>>,
): WebSocketHandler[] {
  const entries = [...(servers instanceof Map ? servers.entries() : Object.entries(servers))]
  const router = new BaseUrlRouter(entries)
  const hubs = new Map<ComfyModel, WsHub>()
  const link = ws.link(/\/(?:api\/)?ws(?:\?.*)?$/)
  const handler = link.addEventListener('connection', ({ client }) => {
    const target = router.resolve(client.url.href.replace(/^ws/, 'http'))
    const fault = target?.model.fault
    if (
      target === undefined ||
      !['/ws', '/api/ws'].includes(target.path) ||
      (fault?.kind === 'refuse' && fault.endpoints === undefined)
    ) {
      client.close(1011, 'refused')
      return
    }
    const model = target.model
    const hub = hubs.get(model) ?? new WsHub(model)
    hubs.set(model, hub)
    const peer = {
      send: (frame: string | Uint8Array) => client.send(frame),
      terminate: () => client.close(),
    }
    client.addEventListener('message', (event) => {
      if (typeof event.data === 'string') hub.receive(peer, event.data)
    })
    client.addEventListener('close', () => hub.disconnect(peer))
    hub.connect(peer, client.url.searchParams.get('clientId'))
  })
  return [handler]
}
