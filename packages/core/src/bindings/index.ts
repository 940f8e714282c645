/**
 * What the React and Vue bindings share, free of either framework: the balancer members they use,
 * the optimal-server choice, the missing-provider error, the status panel's view model and the job
 * follower. Reached through `@comfy-balancer/core/internal` (not covered by semver).
 */
export { sameServerStats } from '../balancer/stats.js'
export { followJobState, initialJobState } from '../jobs/job-state.js'
export type { BindingBalancer } from './balancer.js'
export { type BindingErrorCode, MissingBalancerError } from './missing-balancer.js'
export {
  chooseOptimal,
  isPending,
  needsFirstRound,
  type OptimalChoice,
  type OptimalServerStatus,
  optimalStatus,
  type RefreshFailure,
  refreshReporting,
  sameChoice,
} from './optimal-choice.js'
export {
  formatClockTime,
  queueText,
  STATUS_COLUMNS,
  type StatusPanelOptions,
  type StatusRow,
  type StatusView,
  type StatusViewInput,
  statusView,
} from './status-panel.js'
export { IDLE_STATUS_TEST, runStatusTest, type StatusTestState } from './status-test.js'
