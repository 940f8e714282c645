/**
 * `@comfy-balancer/core/internal`: helpers that our sibling packages (the bindings, the umbrella,
 * testkit, the Redis store) share with core. **Not covered by semver**: anything here may change or
 * go in any release. Apps import from `@comfy-balancer/core` only.
 *
 * - job estimates, model switch costs, `compareByQueue`, `queueLength`: strategy building blocks (@comfy-balancer/strategies);
 * - `previewOptimal`: a side-effect-free choice over a snapshot (status panels, selectServerByMinQueue);
 * - `lastProbeFailed`: the original design's facade (comfy-balancer);
 * - bindings: the framework-free layer under React and Vue;
 * - `systemClock`, redaction, `checkState*`, backoff: what the config sources and the Redis store
 *   share with core, so all of them behave alike.
 */

export { DEFAULT_JOB_ESTIMATE_MS, expectedFinishMs, fleetMedianJobMs } from './balancer/job-estimate.js'
export { compareByQueue } from './balancer/min-queue.js'
export { type PreviewOptions, previewOptimal } from './balancer/preview.js'
export { lastProbeFailed } from './balancer/selection.js'
export * from './bindings/index.js'
export { systemClock } from './contracts/clock.js'
export { queueLength } from './contracts/server.js'
export { type FleetLoads, fleetLoads, NO_FLEET_LOADS, switchCostMs } from './models/model-state.js'
export { checkStateCount, checkStateDelta, checkStateId, checkStateTtl } from './state/arguments.js'
export {
  Backoff,
  type BackoffPolicy,
  type BackoffStep,
  backoffDelay,
  type Jitter,
  jittered,
} from './util/backoff.js'
export { redactText, redactUrl } from './util/redact.js'
export { endpointUrl, toRequestTarget } from './util/request-target.js'
