/**
 * `@comfy-balancer/vue`: Vue 3 bindings for comfy-balancer. A `shallowRef` updated from the
 * balancer's `subscribe` and released in `onScopeDispose`; everything else is core's.
 */

export type { JobProgress, JobState, JobStatus } from '@comfy-balancer/core'
export type { OptimalServerStatus } from '@comfy-balancer/core/internal'
export { MissingBalancerError } from './errors.js'
export { LoadBalancerStatus, type LoadBalancerStatusProps } from './load-balancer-status.js'
export {
  type BalancerLike,
  type BalancerPluginOptions,
  balancerKey,
  createBalancerPlugin,
  provideBalancer,
  useBalancer,
} from './plugin.js'
export { type ReadonlyRef, useBalancerSnapshot } from './use-balancer-state.js'
export { type JobRefs, useJob } from './use-job.js'
export { type FailoverTest, type LoadBalancerRefs, useLoadBalancer } from './use-load-balancer.js'
export {
  type OptimalServerRefs,
  type UseOptimalServerOptions,
  useOptimalServer,
} from './use-optimal-server.js'
