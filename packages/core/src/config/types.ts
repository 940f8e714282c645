import type { ServerConfig } from '../contracts/server.js'
import type { JobSettings } from '../jobs/host.js'

/** Probe settings after defaults. */
export interface ProbeSettings {
  readonly cacheMs: number
  readonly intervalMs: number
  readonly healthTimeoutMs: number
  readonly queueTimeoutMs: number
  readonly queueMode: 'prompt' | 'queue' | 'ws'
  readonly jitter: number
  readonly recoveryBaseMs: number
  readonly unhealthyAfter: number
  readonly healthyAfter: number
}

/** Outlier ejection and panic settings after defaults (see `outlierInputSchema`). */
export interface OutlierSettings {
  readonly enabled: boolean
  readonly consecutiveErrors: number
  readonly consecutiveConnectionFailures: number
  readonly consecutiveJobFailures: number
  readonly baseEjectionMs: number
  readonly maxEjectionMs: number
  readonly maxEjectedShare: number
  readonly panicThreshold: number
  readonly stallAfterMs: number
  readonly flapAfter: number
  readonly flapWindowMs: number
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
