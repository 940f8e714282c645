/**
 * What the React and Vue bindings share, free of either framework: the balancer members they use,
 * the optimal-server choice, the missing-provider error, the status panel's view model and the job
 * follower. Reached through `@comfy-balancer/core/internal` (not covered by semver).
 */
export { sameServerStats } from '../balancer/stats.js'
export { followJobState, initialJobState } from '../jobs/job-state.js'
export type { BindingBalancer } from './balancer.js'
export { type BindingErrorCode, MissingBalancerError } from './missing-balancer.js'
export type { OptimalChoice, OptimalServerStatus, RefreshFailure } from './optimal-choice.js'
export { bindOptimalServer, type OptimalServerBinding, type OptimalServerView } from './optimal-server.js'
export {
  formatClockTime,
  queueText,
  STATUS_COLUMNS,
  STATUS_PANEL_DEFAULTS,
  type StatusCell,
  type StatusClasses,
  type StatusPanelProps,
  type StatusPanelState,
  type StatusRow,
  type StatusView,
  statusView,
} from './status-panel.js'
export { IDLE_STATUS_TEST, runStatusTest, type StatusTestState } from './status-test.js'
