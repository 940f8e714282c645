export { ComfyBalancerError, type ComfyBalancerErrorCode } from './base.js'
export { CapabilityReadError, NoCapableServerError, type ServerShortfall } from './capability-errors.js'
export { type ConfigIssue, ConfigLoadError, ConfigValidationError } from './config-errors.js'
export {
  InterruptError,
  JobError,
  type JobFailure,
  type NodeErrors,
  PromptRejectedError,
  SubmitError,
  type SubmitFailure,
  UnknownJobError,
} from './job-errors.js'
export {
  DisposedError,
  InvalidArgumentError,
  NoServerAvailableError,
  ProbeError,
  type ProbeKind,
  StrategyError,
  UnknownServerError,
} from './server-errors.js'
export { StateStoreError, type StateStoreOperation } from './state-errors.js'
