/**
 * The original design's timings, kept as defaults. Its queue reading (`GET /prompt` polls) became
 * `auto`: pushed queues wherever a WebSocket exists, because a GPU that finished is then seen at
 * once rather than at the next poll.
 */
export const DEFAULT_PROBE_SETTINGS = {
  cacheMs: 15_000,
  intervalMs: 15_000,
  healthTimeoutMs: 10_000,
  queueTimeoutMs: 5_000,
  queueMode: 'auto',
  jitter: 0.1,
  recoveryBaseMs: 1_000,
  // Re-probing a down server costs one small request: every 5 s brings a server that came back
  // into rotation within seconds (a GPU is a quarter of a small fleet), where the 15 s interval
  // measured ~2 % slower means on the hang benchmark.
  recoveryMaxMs: 5_000,
  unhealthyAfter: 2,
  healthyAfter: 2,
  capabilities: true,
  // Real installs answer hundreds of KB to ~100 MB, built file list by file list: generous bounds.
  objectInfoTimeoutMs: 60_000,
  objectInfoMaxBytes: 256 * 1024 * 1024,
} as const

export const DEFAULT_FAILURE_HISTORY = 20

/** Job API timings. */
export const DEFAULT_JOB_SETTINGS = {
  submitTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  maxAttempts: 3,
  pollIntervalMs: 1_000,
  // Chosen against job length: typical jobs take 5–30 s (15 s is the benchmarks' mean at speed 1).
  // A job that may be running is given a minute of silence (four mean jobs) before it is lost; one
  // that has not started moves after one mean job's time, since it costs nothing to run elsewhere.
  lostAfterMs: 60_000,
  moveAfterMs: 15_000,
  retryRatio: 0.2,
  retryMin: 3,
  retryWindowMs: 10_000,
  retryBackoffMs: 100,
  retryBackoffCapMs: 2_000,
} as const

/**
 * The default canary: an 8×8 black image into `PreviewImage` (a temp file). Both are core nodes of
 * every ComfyUI, so it runs the executor and the output path without any model file.
 */
export const DEFAULT_CANARY_PROMPT: Readonly<Record<string, unknown>> = Object.freeze({
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
  '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
})

/** Outlier ejection, after Envoy (5 errors, 30 s × n capped at 300 s, 10 % of hosts, panic below 50 %). */
export const DEFAULT_OUTLIER_SETTINGS = {
  enabled: true,
  consecutiveErrors: 5,
  consecutiveConnectionFailures: 1,
  // A failed job runs again elsewhere and a canary readmits a working server within seconds, so
  // the first failure already holds a server out: each further job a black hole took would fail.
  consecutiveJobFailures: 1,
  canary: DEFAULT_CANARY_PROMPT as false | Readonly<Record<string, unknown>>,
  canaryIntervalMs: 5_000,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectedShare: 0.1,
  panicThreshold: 0.5,
  stallAfterMs: 600_000,
  flapAfter: 3,
  flapWindowMs: 600_000,
} as const
