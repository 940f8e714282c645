export { type ConfigDiff, isEmptyDiff } from './balancer/config-diff.js'
export type {
  BalancerEventHandler,
  BalancerEventName,
  BalancerEvents,
  SelectionReason,
} from './balancer/events.js'
export { DEFAULT_JOB_MS, expectedFinishMs, fleetMedianJobMs, jobEstimateMs } from './balancer/job-estimate.js'
export { createLoadBalancer, LoadBalancer } from './balancer/load-balancer.js'
export { compareByQueue, minQueue } from './balancer/min-queue.js'
export type {
  AcquireOptions,
  Lease,
  LoadBalancerOptions,
  ServerRef,
  ServerStats,
} from './balancer/options.js'
export { type PreviewOptions, previewOptimal } from './balancer/preview.js'
export { allowedByHints, isCandidate, lastProbeFailed } from './balancer/selection.js'
export type { BalancerSnapshot } from './balancer/snapshot.js'
export { sameServerStats, toServerStats } from './balancer/stats.js'
export { testSelection } from './balancer/status-test.js'
export { DEFAULT_JOBS, DEFAULT_PROBE } from './config/defaults.js'
export { renderReceived, toConfigIssues } from './config/issues.js'
export { deriveServerId, parseConfig } from './config/parse-config.js'
export {
  type BalancerConfigInput,
  balancerConfigSchema,
  type ServerInput,
} from './config/schema.js'
export type { BalancerConfig, JobSettings, ProbeSettings } from './config/types.js'
export { type Clock, type RandomSource, systemClock, type TimerHandle } from './contracts/clock.js'
export type { ConfigSource, Unsubscribe } from './contracts/config-source.js'
export {
  consoleLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from './contracts/logger.js'
export {
  type FailureRecord,
  type Health,
  type QueueSource,
  type QueueState,
  queueLength,
  type ServerConfig,
  type ServerSnapshot,
} from './contracts/server.js'
export type { JobHints, SelectContext, ServerLock, Strategy } from './contracts/strategy.js'
export * from './errors/index.js'
export { type PlanJob, type PlanServer, planDispatch } from './jobs/dispatch-plan.js'
export {
  createDispatcher,
  type Dispatcher,
  type DispatcherOptions,
  type DispatchOptions,
} from './jobs/dispatcher.js'
export { UnknownJobError } from './jobs/job-service.js'
export {
  followJobState,
  initialJobState,
  type JobFollower,
  type JobProgress,
  type JobState,
  type JobStatus,
  withJobError,
  withJobEvent,
  withJobResult,
} from './jobs/job-state.js'
export type {
  ComfyPrompt,
  JobEvent,
  JobResult,
  OutputFile,
  ResultOptions,
  Submission,
  SubmitOptions,
} from './jobs/types.js'
export { type JobUpdate, watchJob } from './jobs/watch.js'
export type { FetchLike } from './probe/fetch-json.js'
export * from './state/index.js'
export { redactHeaders, redactText, redactUrl } from './util/redact.js'
export {
  defaultWebSocketFactory,
  type WebSocketFactory,
  type WebSocketLike,
  webSocketUrl,
} from './ws/web-socket.js'
