import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'
import { gatewayFeatures } from './info-routes.js'

/**
 * `/ws?clientId=`: the caller's `status` on connect (with `sid`), then every message of the caller's
 * prompts sent with this client id, under the gateway's prompt ids.
 */
export function wsRoute(app: FastifyInstance, context: GatewayContext): void {
  app.get('/ws', { websocket: true }, (socket, request) => {
    const query = request.query as Record<string, string | undefined>
    const clientId =
      query.clientId !== undefined && query.clientId !== ''
        ? query.clientId
        : randomUUID().replaceAll('-', '')
    const owner = request.owner
    context.sockets.add(socket, { clientId, owner })
    let first = true
    socket.on('message', (data, isBinary) => {
      const wasFirst = first
      first = false
      if (!wasFirst || isBinary) return
      // ComfyUI answers feature flags only when they are the client's first text frame.
      try {
        const message = JSON.parse(String(data)) as { type?: unknown }
        if (message.type !== 'feature_flags') return
        void gatewayFeatures(context).then(
          (flags) => socket.send(JSON.stringify({ type: 'feature_flags', data: flags })),
          (error: unknown) =>
            context.log(`feature_flags: ${error instanceof Error ? error.message : String(error)}`),
        )
      } catch {
        // Other client frames are ignored, as ComfyUI does.
      }
    })
    socket.on('close', () => context.sockets.remove(socket))
    socket.on('error', () => context.sockets.remove(socket))
    const status = {
      status: { exec_info: { queue_remaining: context.jobs.remaining(owner) } },
      sid: clientId,
    }
    socket.send(JSON.stringify({ type: 'status', data: status }))
  })
}
