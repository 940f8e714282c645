import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

/** Paths served without a token: an orchestrator's probes carry none. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz'])

/** `/healthz` (the process answers) and `/readyz` (some server can take a job). */
export function healthRoutes(app: FastifyInstance, context: GatewayContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_request, reply) => {
    const servers = context.balancer.getSnapshot().servers
    const healthy = servers.filter((server) => server.health === 'healthy').length
    return reply
      .code(healthy > 0 ? 200 : 503)
      .send({ status: healthy > 0 ? 'ready' : 'no healthy server', healthy, servers: servers.length })
  })
}
