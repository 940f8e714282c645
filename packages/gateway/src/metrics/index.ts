export {
  createGatewayMetrics,
  type GatewayMetrics,
  JOB_DURATION_BUCKETS,
  type MetricsSource,
} from './gateway-metrics.js'
export { metricsRoute } from './metrics-route.js'
