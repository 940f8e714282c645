/**
 * `@comfy-balancer/core/internal`: helpers that our sibling packages (the bindings, the umbrella,
 * testkit, the Redis store) share with core. **Not covered by semver**: anything here may change or
 * go in any release. Apps import from `@comfy-balancer/core` only.
 */
export {}
export * from './bindings/index.js'
// Strategy building blocks (@comfy-balancer/strategies).
export { compareByQueue } from './balancer/min-queue.js'
export { DEFAULT_JOB_ESTIMATE_MS, expectedFinishMs, fleetMedianJobMs } from './balancer/job-estimate.js'
export { queueLength } from './contracts/server.js'
// Defaults and redaction the config sources and the Redis store share with core.
export { systemClock } from './contracts/clock.js'
export { redactText, redactUrl } from './util/redact.js'
// The argument checks every StateStore makes (@comfy-balancer/redis), so all reject bad input alike.
export { checkStateCount, checkStateDelta, checkStateId, checkStateTtl } from './state/arguments.js'
// The original design's facade (comfy-balancer): did this probe of a server fail?
export { lastProbeFailed } from './balancer/selection.js'
// A side-effect-free choice over a snapshot (the bindings' status panels, selectServerByMinQueue).
export { type PreviewOptions, previewOptimal } from './balancer/preview.js'
// One exponential backoff with injected randomness (core's retries, the Redis store's reconnects).
export { Backoff, type BackoffPolicy, type BackoffStep, backoffDelay, type Jitter, jittered } from './util/backoff.js'
