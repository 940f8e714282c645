/**
 * `@comfy-balancer/react`: React bindings for comfy-balancer. One `useSyncExternalStore` over the
 * balancer's `subscribe`/`getSnapshot`; everything else is core's.
 */

export type { JobProgress, JobState, JobStatus } from '@comfy-balancer/core'
export type { OptimalServerStatus } from '@comfy-balancer/core/internal'
export {
  type BalancerLike,
  BalancerProvider,
  type BalancerProviderProps,
  useBalancer,
} from './context.js'
export { MissingBalancerError } from './errors.js'
export { LoadBalancerStatus, type LoadBalancerStatusProps } from './load-balancer-status.js'
export { useBalancerEvent } from './use-balancer-event.js'
export { useBalancerSnapshot } from './use-balancer-snapshot.js'
export { useJob } from './use-job.js'
export {
  type OptimalServerState,
  type UseOptimalServerOptions,
  useOptimalServer,
} from './use-optimal-server.js'
export { useServerStats } from './use-server-stats.js'
