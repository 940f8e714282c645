import type { ServerConfig } from '../contracts/server.js'

/** Probe settings after defaults. */
export interface ProbeSettings {
  readonly cacheMs: number
  readonly intervalMs: number
  readonly healthTimeoutMs: number
  readonly queueTimeoutMs: number
  /** `auto`: pushed queues (`ws`) when the balancer has a WebSocket, else `prompt`. */
  readonly queueMode: 'auto' | 'prompt' | 'queue' | 'ws'
  readonly jitter: number
  readonly recoveryBaseMs: number
  readonly recoveryMaxMs: number
  readonly unhealthyAfter: number
  readonly healthyAfter: number
  /** Read each server's `/object_info` to route jobs only where they can run. */
  readonly capabilities: boolean
  readonly objectInfoTimeoutMs: number
  readonly objectInfoMaxBytes: number
}

/** Outlier ejection and panic settings after defaults (see `outlierInputSchema`). */
export interface OutlierSettings {
  readonly enabled: boolean
  readonly consecutiveErrors: number
  readonly consecutiveConnectionFailures: number
  readonly consecutiveJobFailures: number
  /** The prompt run to see whether a server ejected for failed jobs works again, or `false`. */
  readonly canary: false | Readonly<Record<string, unknown>>
  readonly canaryIntervalMs: number
  readonly baseEjectionMs: number
  readonly maxEjectionMs: number
  readonly maxEjectedShare: number
  readonly panicThreshold: number
  readonly stallAfterMs: number
  readonly flapAfter: number
  readonly flapWindowMs: number
}

/** Retry limits across the whole balancer, after defaults. */
export interface RetrySettings {
  /** Retries allowed as a share of recent submissions (0.2 = 20 %). */
  readonly retryRatio: number
  /** Retries always allowed per window, however few submissions there were. */
  readonly retryMin: number
  /** The window both are counted over (ms). */
  readonly retryWindowMs: number
  /** First retry backoff (ms): each retry waits a random time up to base × 2^(n−1), capped. */
  readonly retryBackoffMs: number
  readonly retryBackoffCapMs: number
}

/** Job timings after defaults. */
export interface JobSettings extends RetrySettings {
  /** How long `POST /prompt` may take before its fate is checked (ms). */
  readonly submitTimeoutMs: number
  /** Timeout of each status request (ms). */
  readonly requestTimeoutMs: number
  /** How many servers a submission tries at most. */
  readonly maxAttempts: number
  /** How often a job's status is polled when no push is available (ms). */
  readonly pollIntervalMs: number
  /**
   * How long an owner may stay unreachable before a job that never started is placed elsewhere, and
   * how long a job waiting in the app after failed hand-overs waits for a server to recover (ms).
   */
  readonly lostAfterMs: number
  /** How long a job not seen to start may wait on a silent server before it moves elsewhere (ms). */
  readonly moveAfterMs: number
}

/** A validated config with every default filled in. */
export interface BalancerConfig {
  readonly servers: readonly ServerConfig[]
  readonly autoSwitch: boolean
  readonly fallback: 'primary' | 'error'
  readonly probe: ProbeSettings
  readonly jobs: JobSettings
  readonly outlier: OutlierSettings
  readonly failureHistory: number
}
