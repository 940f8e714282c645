export type { ConfigDiff } from './balancer/config-diff.js'
export type {
  BalancerEventHandler,
  BalancerEventName,
  BalancerEvents,
  SelectionReason,
} from './balancer/events.js'
export { createLoadBalancer, LoadBalancer } from './balancer/load-balancer.js'
export { minQueue } from './balancer/min-queue.js'
export type {
  AcquireOptions,
  Lease,
  LoadBalancerOptions,
  ServerRef,
  ServerStats,
} from './balancer/options.js'
export type { BalancerSnapshot } from './balancer/snapshot.js'
export {
  DEFAULT_JOB_SETTINGS,
  DEFAULT_OUTLIER_SETTINGS,
  DEFAULT_PROBE_SETTINGS,
} from './config/defaults.js'
export { parseConfig } from './config/parse-config.js'
export type { BalancerConfigInput, ServerInput } from './config/schema.js'
export type { BalancerConfig, JobSettings, ProbeSettings } from './config/types.js'
export type { Clock, RandomSource, TimerHandle } from './contracts/clock.js'
export type { ConfigSource, Unsubscribe } from './contracts/config-source.js'
export {
  consoleLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from './contracts/logger.js'
export type {
  CapabilitySummary,
  FailureRecord,
  Health,
  ModelState,
  QueueSource,
  QueueState,
  ServerConfig,
  ServerSnapshot,
} from './contracts/server.js'
export type { JobHints, SelectContext, ServerLock, Strategy } from './contracts/strategy.js'
export * from './errors/index.js'
export type { LateBindingOptions } from './jobs/dispatch-host.js'
export type { JobProgress, JobState, JobStatus } from './jobs/job-state.js'
export type {
  Binding,
  ComfyPrompt,
  JobEvent,
  JobResult,
  OutputFile,
  PushedMessage,
  ResultOptions,
  Submission,
  SubmitOptions,
} from './jobs/types.js'
export type { JobUpdate } from './jobs/watch.js'
export type { FetchLike } from './probe/fetch-json.js'
export * from './state/index.js'
export type { RequestTarget } from './util/request-target.js'
export type { WebSocketFactory, WebSocketLike } from './ws/web-socket.js'
