import type { FastifyInstance } from 'fastify'
import { createGatewayMetrics, type MetricsSource } from './gateway-metrics.js'

/**
 * `GET /metrics`: the gateway's metrics in Prometheus text format (`text/plain; version=0.0.4`).
 * Register it once, at the root (not under `/api`): it counts from the moment it is registered.
 * It takes the same token as every other route (the metrics are fleet-wide, so any valid token
 * reads them); an open gateway serves it to anyone, as it serves everything else.
 */
export function metricsRoute(app: FastifyInstance, context: MetricsSource): void {
  const metrics = createGatewayMetrics(context)
  app.addHook('onClose', async () => metrics.close())
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })
}
