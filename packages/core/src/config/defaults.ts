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
  unhealthyAfter: 2,
  healthyAfter: 2,
} as const

export const DEFAULT_FAILURE_HISTORY = 20

/** Job API timings. */
export const DEFAULT_JOB_SETTINGS = {
  submitTimeoutMs: 30_000,
  requestTimeoutMs: 10_000,
  maxAttempts: 3,
  pollIntervalMs: 1_000,
  lostAfterMs: 60_000,
  retryRatio: 0.2,
  retryMin: 3,
  retryWindowMs: 10_000,
  retryBackoffMs: 100,
  retryBackoffCapMs: 2_000,
} as const

/** Outlier ejection, after Envoy (5 errors, 30 s × n capped at 300 s, 10 % of hosts, panic below 50 %). */
export const DEFAULT_OUTLIER_SETTINGS = {
  enabled: true,
  consecutiveErrors: 5,
  consecutiveConnectionFailures: 1,
  // GPU jobs come a few a minute: three failed jobs is already a clear signal (BALANCING.md §7).
  consecutiveJobFailures: 3,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectedShare: 0.1,
  panicThreshold: 0.5,
  stallAfterMs: 600_000,
  flapAfter: 3,
  flapWindowMs: 600_000,
} as const
